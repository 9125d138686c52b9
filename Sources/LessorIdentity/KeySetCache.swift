public import Foundation
public import LessorCore
public import LessorCrypto
public import Logging
import Synchronization

/// One issuer's verification keys. Serves keys from memory; refreshes when they pass their
/// lifetime; on an unknown `kid` refetches at most once per `unknownKeyRefetchInterval`, and
/// concurrent callers share one fetch. When the IdP is down it keeps serving the last good keys
/// until `maxStaleness`, then fails closed with `issuer_unavailable`.
public actor KeySetCache {
    public nonisolated let issuer: String
    private let policy: IssuerConfiguration.CachePolicy
    private let fetcher: any KeySetFetcher
    private let clock: WallClock
    private let logger: Logger

    /// Keys within their lifetime, readable without an actor hop: the request path's fast lane.
    private nonisolated let fresh = Mutex(FreshKeys())
    private var keysByID: [String: VerificationKey] = [:]
    private var keysWithoutID: [VerificationKey] = []
    private var lastSuccess: Date?
    private var expiresAt: Date?
    private var lastFailure: Date?
    private var lastError: LessorError?
    private var lastUnknownKeyRefetch: Date?
    private var inflight: Task<Void, Never>?
    private var fetches = 0
    private var reportedState: KeySetStatus.State = .notLoaded

    public init(
        issuer: String, policy: IssuerConfiguration.CachePolicy, fetcher: any KeySetFetcher, clock: WallClock,
        logger: Logger
    ) {
        self.issuer = issuer
        self.policy = policy
        self.fetcher = fetcher
        self.clock = clock
        self.logger = logger
    }

    /// The key a token names when the keys are within their lifetime; nil sends the caller to
    /// `key(id:)`, which refreshes, rate-limits and reports outages.
    public nonisolated func freshKey(id: String?, now: Date) -> VerificationKey? {
        fresh.withLock { $0.key(id: id, now: now) }
    }

    /// The key a token names. `id` nil is accepted only when the issuer publishes a single key.
    public func key(id: String?) async throws(LessorError) -> VerificationKey {
        if lastSuccess == nil, mayRetry(at: clock.now) { await refresh() }
        guard let lastSuccess else { throw unavailable() }
        let now = clock.now
        if now >= lastSuccess.addingTimeInterval(policy.maxStaleness.seconds) {
            if mayRetry(at: now) { await refresh() }
            guard let renewed = self.lastSuccess, clock.now < renewed.addingTimeInterval(policy.maxStaleness.seconds)
            else { throw unavailable() }
        } else if let expiresAt, now >= expiresAt, inflight == nil, mayRetry(at: now) {
            startRefresh()
        }
        if let key = lookup(id) { return key }
        if let inflight {
            await inflight.value
            if let key = lookup(id) { return key }
        } else if lastUnknownKeyRefetch.map({ now >= $0.addingTimeInterval(policy.unknownKeyRefetchInterval.seconds) })
            ?? true
        {
            lastUnknownKeyRefetch = now
            await refresh()
            if let key = lookup(id) { return key }
        }
        if let id {
            throw LessorError(
                .keyUnknown,
                "issuer \(issuer) publishes no key with kid '\(id.prefix(128))'; the token was signed by a key Lessor does not trust"
            )
        }
        throw LessorError(.keyUnknown, "the token has no kid and issuer \(issuer) publishes several keys")
    }

    /// Fetches now, or joins the fetch already under way.
    public func refresh() async {
        if inflight == nil { startRefresh() }
        await inflight?.value
    }

    /// Refreshes when the keys are about to expire (at 90% of their lifetime), were never loaded, or
    /// the last attempt failed longer than `retryInterval` ago. The background refresher calls this.
    public func refreshIfDue() async {
        let now = clock.now
        guard let lastSuccess, let expiresAt else {
            if lastFailure.map({ now >= $0.addingTimeInterval(policy.retryInterval.seconds) }) ?? true {
                await refresh()
            }
            return
        }
        let lifetime = expiresAt.timeIntervalSince(lastSuccess)
        let due = lastSuccess.addingTimeInterval(lifetime * 0.9)
        let retryAllowed =
            lastFailure.map { $0 < lastSuccess || now >= $0.addingTimeInterval(policy.retryInterval.seconds) } ?? true
        if now >= due, retryAllowed { await refresh() }
    }

    public func status() -> KeySetStatus {
        KeySetStatus(
            issuer: issuer, state: currentState(at: clock.now), keyIDs: keysByID.keys.sorted(),
            lastSuccess: lastSuccess, expiresAt: expiresAt, lastError: lastError?.message, fetches: fetches)
    }

    /// While the IdP is failing, callers may trigger a fetch at most once per refetch interval, so a
    /// flood of tokens cannot hammer a struggling IdP.
    private func mayRetry(at now: Date) -> Bool {
        inflight != nil
            || lastFailure.map { now >= $0.addingTimeInterval(policy.unknownKeyRefetchInterval.seconds) } ?? true
    }

    private func lookup(_ id: String?) -> VerificationKey? {
        if let id { return keysByID[id] }
        let all = keysWithoutID + keysByID.values
        return all.count == 1 ? all[0] : nil
    }

    private func startRefresh() {
        inflight = Task { await self.performFetch() }
    }

    private func performFetch() async {
        fetches += 1
        do {
            let fetched = try await fetcher.fetch()
            install(fetched)
        } catch {
            lastFailure = clock.now
            lastError = error
            logger.error(
                "jwks fetch failed",
                metadata: ["issuer": "\(issuer)", "code": "\(error.code)", "reason": "\(error.message)"])
        }
        inflight = nil
        reportTransition()
    }

    private func install(_ fetched: FetchedKeySet) {
        let now = clock.now
        var byID: [String: VerificationKey] = [:]
        var withoutID: [VerificationKey] = []
        for key in fetched.keys {
            if let id = key.keyID { byID[id] = key } else { withoutID.append(key) }
        }
        keysByID = byID
        keysWithoutID = withoutID
        lastSuccess = now
        lastError = nil
        let lifetime = min(max(fetched.maxAge ?? policy.defaultLifetime, policy.minLifetime), policy.maxLifetime)
        expiresAt = now.addingTimeInterval(lifetime.seconds)
        fresh.withLock {
            $0 = FreshKeys(
                byID: byID, single: byID.count + withoutID.count == 1 ? fetched.keys[0] : nil, expiresAt: expiresAt)
        }
        for reason in fetched.rejected {
            logger.warning("jwks key ignored", metadata: ["issuer": "\(issuer)", "reason": "\(reason)"])
        }
    }

    private func currentState(at now: Date) -> KeySetStatus.State {
        guard let lastSuccess, let expiresAt else { return .notLoaded }
        if now >= lastSuccess.addingTimeInterval(policy.maxStaleness.seconds) { return .unavailable }
        return now < expiresAt ? .fresh : .stale
    }

    private func reportTransition() {
        let state = currentState(at: clock.now)
        let failing = lastError != nil
        let effective: KeySetStatus.State = (state == .fresh && failing) ? .stale : state
        guard effective != reportedState else { return }
        reportedState = effective
        let metadata: Logger.Metadata = ["issuer": "\(issuer)", "state": "\(effective.rawValue)"]
        switch effective {
        case .fresh: logger.info("jwks keys fresh", metadata: metadata)
        case .stale: logger.warning("jwks keys stale: serving the last good key set", metadata: metadata)
        case .unavailable, .notLoaded:
            logger.error("jwks keys unavailable: tokens of this issuer are refused", metadata: metadata)
        }
    }

    private func unavailable() -> LessorError {
        let reason = lastError.map { ": \($0.message)" } ?? ""
        return LessorError(.issuerUnavailable, "keys of issuer \(issuer) are unavailable\(reason)")
    }
}

/// The snapshot behind `freshKey(id:now:)`.
struct FreshKeys: Sendable {
    var byID: [String: VerificationKey] = [:]
    var single: VerificationKey?
    var expiresAt: Date?

    func key(id: String?, now: Date) -> VerificationKey? {
        guard let expiresAt, now < expiresAt else { return nil }
        guard let id else { return single }
        return byID[id]
    }
}

extension Duration {
    var seconds: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}

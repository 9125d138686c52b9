public import Foundation
public import LessorCore
public import Logging

/// The use cases of the broker — exchange, renew, revoke, list, offboard — over the ports:
/// a lease store, an audit sink, credential engines and the policy bundle. Adapters (HTTP, CLI)
/// call these and nothing below them.
public struct Broker: Sendable {
    public struct Settings: Sendable {
        /// This broker's region; tenants whose residency excludes it are refused.
        public var region: String?
        /// A `pending` intent older than this was never answered and is revoked by the sweeper.
        public var pendingGrace: Duration
        /// Engine revocation attempts before a lease is marked irrevocable.
        public var maxRevokeAttempts: Int
        /// Backoff after the first failed revocation; doubles per attempt up to `maxBackoff`.
        public var initialBackoff: Duration
        public var maxBackoff: Duration
        /// Called after each durable step of an exchange; nil in production. Fault-injection tests
        /// stop the process here (`LESSOR_FAULT_KILL_AT` in debug builds).
        public var faultPoint: (@Sendable (ExchangeStep) async -> Void)?

        public init(
            region: String? = nil, pendingGrace: Duration = .seconds(120), maxRevokeAttempts: Int = 8,
            initialBackoff: Duration = .seconds(2), maxBackoff: Duration = .seconds(300),
            faultPoint: (@Sendable (ExchangeStep) async -> Void)? = nil
        ) {
            self.region = region
            self.pendingGrace = pendingGrace
            self.maxRevokeAttempts = maxRevokeAttempts
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
            self.faultPoint = faultPoint
        }
    }

    public let store: any LeaseStore
    public let audit: any AuditSink
    public let policies: PolicyBundleStore
    public let keyring: TenantKeyring
    public let settings: Settings
    /// This replica's per-tenant request buckets and grants under way.
    public let quotas: TenantQuotas
    /// Exchange counters and latencies; they go nowhere unless the server passes its own.
    public let metrics: BrokerMetrics
    let engines: [String: any CredentialEngine]
    /// The time every lease and credential decision reads, adapters' expiry checks included.
    public let clock: WallClock
    let logger: Logger

    public init(
        store: any LeaseStore, audit: any AuditSink, policies: PolicyBundleStore, engines: [any CredentialEngine],
        keyring: TenantKeyring, settings: Settings = Settings(), clock: WallClock = .system, logger: Logger,
        metrics: BrokerMetrics = .disabled
    ) {
        self.store = store
        self.audit = audit
        self.policies = policies
        self.engines = Dictionary(engines.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.keyring = keyring
        self.settings = settings
        self.quotas = TenantQuotas()
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    func engine(named name: String) throws(LessorError) -> any CredentialEngine {
        guard let engine = engines[name] else {
            throw LessorError(
                .requestInvalid,
                "no credential engine '\(name)' runs in this broker; enabled: \(engines.keys.sorted().joined(separator: ", "))"
            )
        }
        return engine
    }
}

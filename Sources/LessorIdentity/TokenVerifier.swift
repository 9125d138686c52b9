public import CurlClient
public import LessorCore
import LessorCrypto
public import Logging

/// Decides whether a bearer token is a genuine token of a configured issuer. Signature first, then
/// claims: a forged token is reported as forged even when it is also expired.
public struct TokenVerifier: Sendable {
    public static let defaultMaxTokenBytes = 16 * 1024

    struct Issuer: Sendable {
        let configuration: IssuerConfiguration
        let keys: KeySetCache
    }

    private let issuers: [String: Issuer]
    private let clock: WallClock
    private let maxTokenBytes: Int

    /// The key-set caches, for the background refresher and readiness.
    public var keySets: [KeySetCache] { issuers.values.map(\.keys) }

    public init(
        issuers: [(IssuerConfiguration, KeySetCache)], clock: WallClock = .system,
        maxTokenBytes: Int = defaultMaxTokenBytes
    ) {
        var byName: [String: Issuer] = [:]
        for (configuration, keys) in issuers {
            byName[configuration.issuer] = Issuer(configuration: configuration, keys: keys)
        }
        self.issuers = byName
        self.clock = clock
        self.maxTokenBytes = maxTokenBytes
    }

    /// Builds a verifier with one key-set cache per issuer, after validating every configuration.
    public init(
        configurations: [IssuerConfiguration], http: CurlHTTPClient = CurlHTTPClient(), clock: WallClock = .system,
        logger: Logger, maxTokenBytes: Int = defaultMaxTokenBytes
    ) throws(LessorError) {
        var seen: Set<String> = []
        var pairs: [(IssuerConfiguration, KeySetCache)] = []
        for configuration in configurations {
            try configuration.validate()
            guard seen.insert(configuration.issuer).inserted else {
                throw LessorError(.configInvalid, "issuer \(configuration.issuer) is configured twice")
            }
            let fetcher: any KeySetFetcher
            if case .staticFile(let path) = configuration.keySource {
                fetcher = StaticKeySetFetcher(path: path, issuer: configuration.issuer)
            } else {
                fetcher = RemoteKeySetFetcher(configuration: configuration, http: http)
            }
            let cache = KeySetCache(
                issuer: configuration.issuer, policy: configuration.cache, fetcher: fetcher, clock: clock,
                logger: logger)
            pairs.append((configuration, cache))
        }
        self.init(issuers: pairs, clock: clock, maxTokenBytes: maxTokenBytes)
    }

    public func verify(_ token: String) async throws(LessorError) -> VerifiedIdentity {
        let jws = try CompactJWS(token, maxBytes: maxTokenBytes)
        guard case .string(let issuerName) = jws.claims["iss"] else {
            throw LessorError(.claimMissing, "the token has no iss claim")
        }
        guard let issuer = issuers[issuerName] else {
            throw LessorError(.issuerUnknown, "issuer '\(issuerName.prefix(256))' is not trusted by this broker")
        }
        guard issuer.configuration.allowedAlgorithms.contains(jws.algorithm) else {
            throw LessorError(
                .algorithmNotAllowed, "issuer \(issuerName) does not allow \(jws.algorithm.rawValue) tokens")
        }
        let now = clock.now
        let key: VerificationKey
        if let fresh = issuer.keys.freshKey(id: jws.keyID, now: now) {
            key = fresh
        } else {
            key = try await issuer.keys.key(id: jws.keyID)
        }
        guard key.permits(jws.algorithm) else {
            throw LessorError(
                .algorithmNotAllowed,
                "key '\(jws.keyID ?? "")' of issuer \(issuerName) may not be used with \(jws.algorithm.rawValue)")
        }
        guard key.verify(signature: jws.signature, signingInput: jws.signingInput, algorithm: jws.algorithm) else {
            throw LessorError(.signatureInvalid, "the token's signature does not verify")
        }
        return try ClaimsValidator.validate(
            claims: jws.claims, configuration: issuer.configuration, now: now, keyID: jws.keyID,
            algorithm: jws.algorithm.rawValue)
    }

    public func status() async -> [KeySetStatus] {
        var result: [KeySetStatus] = []
        for keys in keySets { result.append(await keys.status()) }
        return result.sorted { $0.issuer < $1.issuer }
    }
}

public import LessorCore
public import LessorCrypto

/// One trusted OIDC issuer: where its keys come from and what its tokens must satisfy.
public struct IssuerConfiguration: Sendable {
    public enum KeySource: Sendable, Hashable {
        /// `<issuer>/.well-known/openid-configuration` names the `jwks_uri`.
        case discovery
        /// A JWKS URL given explicitly; discovery is skipped.
        case jwksURI(String)
        /// A JWKS document on disk, for air-gapped clusters. Re-read on every refresh.
        case staticFile(String)
    }

    /// How long fetched keys are trusted and how hard Lessor may lean on the IdP.
    public struct CachePolicy: Sendable, Hashable {
        /// Lifetime when the IdP sends no `Cache-Control: max-age`.
        public var defaultLifetime: Duration
        /// `max-age` is clamped into this range, so a week-long max-age cannot hide a rotation.
        public var minLifetime: Duration
        public var maxLifetime: Duration
        /// An unknown `kid` triggers at most one refetch per this interval.
        public var unknownKeyRefetchInterval: Duration
        /// After the last successful fetch, keys keep serving this long while the IdP is down.
        public var maxStaleness: Duration
        /// Wait between background retries while the IdP is failing.
        public var retryInterval: Duration

        public init(
            defaultLifetime: Duration = .seconds(300), minLifetime: Duration = .seconds(60),
            maxLifetime: Duration = .seconds(3600), unknownKeyRefetchInterval: Duration = .seconds(30),
            maxStaleness: Duration = .seconds(86_400), retryInterval: Duration = .seconds(15)
        ) {
            self.defaultLifetime = defaultLifetime
            self.minLifetime = minLifetime
            self.maxLifetime = maxLifetime
            self.unknownKeyRefetchInterval = unknownKeyRefetchInterval
            self.maxStaleness = maxStaleness
            self.retryInterval = retryInterval
        }
    }

    /// Limits on the outbound discovery and JWKS calls.
    public struct FetchPolicy: Sendable, Hashable {
        public var connectTimeout: Duration
        public var totalTimeout: Duration
        public var maxResponseBytes: Int

        public init(
            connectTimeout: Duration = .seconds(3), totalTimeout: Duration = .seconds(10),
            maxResponseBytes: Int = 256 * 1024
        ) {
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maxResponseBytes = maxResponseBytes
        }
    }

    public var issuer: String
    public var keySource: KeySource
    /// PEM bundle of CAs trusted for this issuer's HTTPS endpoints; nil uses the system store.
    public var caBundlePath: String?
    /// A token's `aud` must contain at least one of these.
    public var audiences: [String]
    public var allowedAlgorithms: Set<JWSAlgorithm>
    public var leeway: Duration
    /// Upper bound on a token's lifetime (`exp - iat`).
    public var maxTokenAge: Duration
    /// Permits plain `http://` to a loopback host, for development issuers only.
    public var allowInsecureLoopback: Bool
    public var cache: CachePolicy
    public var fetch: FetchPolicy

    public init(
        issuer: String, keySource: KeySource = .discovery, caBundlePath: String? = nil,
        audiences: [String], allowedAlgorithms: Set<JWSAlgorithm> = [.rs256, .es256],
        leeway: Duration = .seconds(30), maxTokenAge: Duration = .seconds(86_400),
        allowInsecureLoopback: Bool = false, cache: CachePolicy = CachePolicy(),
        fetch: FetchPolicy = FetchPolicy()
    ) {
        self.issuer = issuer
        self.keySource = keySource
        self.caBundlePath = caBundlePath
        self.audiences = audiences
        self.allowedAlgorithms = allowedAlgorithms
        self.leeway = leeway
        self.maxTokenAge = maxTokenAge
        self.allowInsecureLoopback = allowInsecureLoopback
        self.cache = cache
        self.fetch = fetch
    }

    /// Refuses a configuration that could not be used safely; the message names the offending key.
    public func validate() throws(LessorError) {
        try Self.requireURL(issuer, key: "issuer", allowInsecureLoopback: allowInsecureLoopback)
        if case .jwksURI(let uri) = keySource {
            try Self.requireURL(uri, key: "jwks_uri", allowInsecureLoopback: allowInsecureLoopback)
        }
        guard !audiences.isEmpty, audiences.allSatisfy({ !$0.isEmpty }) else {
            throw LessorError(.configInvalid, "issuer \(issuer): audiences must list at least one non-empty audience")
        }
        guard !allowedAlgorithms.isEmpty else {
            throw LessorError(.configInvalid, "issuer \(issuer): algorithms must list at least one algorithm")
        }
        guard leeway >= .zero, leeway <= .seconds(300) else {
            throw LessorError(.configInvalid, "issuer \(issuer): leeway_seconds must be between 0 and 300")
        }
        guard maxTokenAge > .zero else {
            throw LessorError(.configInvalid, "issuer \(issuer): max_token_age_seconds must be positive")
        }
        guard cache.minLifetime > .zero, cache.minLifetime <= cache.maxLifetime,
            cache.defaultLifetime >= cache.minLifetime, cache.defaultLifetime <= cache.maxLifetime
        else {
            throw LessorError(
                .configInvalid,
                "issuer \(issuer): jwks cache lifetimes must satisfy 0 < min <= default <= max")
        }
        guard cache.maxStaleness >= cache.maxLifetime else {
            throw LessorError(.configInvalid, "issuer \(issuer): jwks max_staleness must be at least max_lifetime")
        }
        guard fetch.maxResponseBytes > 0, fetch.totalTimeout > .zero, fetch.connectTimeout > .zero else {
            throw LessorError(.configInvalid, "issuer \(issuer): fetch timeouts and size limit must be positive")
        }
    }

    static func requireURL(_ text: String, key: String, allowInsecureLoopback: Bool) throws(LessorError) {
        guard let url = ParsedURL(text) else {
            throw LessorError(.configInvalid, "\(key) '\(text)' is not an absolute URL")
        }
        switch url.scheme {
        case "https":
            return
        case "http" where allowInsecureLoopback && url.isLoopback:
            return
        case "http":
            throw LessorError(
                .configInvalid,
                "\(key) '\(text)' must use https (plain http is allowed only for a loopback issuer flagged allow_insecure_loopback)"
            )
        default:
            throw LessorError(.configInvalid, "\(key) '\(text)' must use https")
        }
    }
}

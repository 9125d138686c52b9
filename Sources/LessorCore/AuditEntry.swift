/// What a use case asks the audit log to record. The log adds sequence, time and the chain
/// fields. Values marked "hashed" are written only as keyed hashes (`AuditFieldHasher`), never
/// in clear; no field may carry a credential.
public struct AuditEntry: Sendable, Hashable {
    public enum Decision: String, Sendable, Hashable {
        case allow
        case deny
    }

    /// The verified caller: issuer and `sub`.
    public struct Subject: Sendable, Hashable {
        public let issuer: String
        public let subject: String
        public init(issuer: String, subject: String) {
            self.issuer = issuer
            self.subject = subject
        }
    }

    public var event: AuditEvent
    public var scope: AuditScope
    public var requestID: String?
    public var subject: Subject?
    public var binding: String?
    public var path: String?
    /// Hashed: a lease id lets its holder renew or revoke.
    public var leaseID: String?
    /// Hashed: a token id (`jti`) could be replayed against a cache of seen tokens.
    public var tokenID: String?
    public var ttlSeconds: Int?
    public var decision: Decision?
    public var reason: String?
    public var policyDigest: String?
    public var policyCommit: String?
    /// Further non-secret facts (counts, class names); keys are sorted when written.
    public var details: [String: String]

    public init(
        event: AuditEvent, scope: AuditScope, requestID: String? = nil, subject: Subject? = nil,
        binding: String? = nil, path: String? = nil, leaseID: String? = nil, tokenID: String? = nil,
        ttlSeconds: Int? = nil, decision: Decision? = nil, reason: String? = nil, policyDigest: String? = nil,
        policyCommit: String? = nil, details: [String: String] = [:]
    ) {
        self.event = event
        self.scope = scope
        self.requestID = requestID
        self.subject = subject
        self.binding = binding
        self.path = path
        self.leaseID = leaseID
        self.tokenID = tokenID
        self.ttlSeconds = ttlSeconds
        self.decision = decision
        self.reason = reason
        self.policyDigest = policyDigest
        self.policyCommit = policyCommit
        self.details = details
    }
}

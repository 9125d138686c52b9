/// The verdict on one request, with everything needed to explain it and to trace it later to the
/// exact bundle that produced it. A denial is a value, not an error.
public struct PolicyDecision: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable { case allow, deny }

    /// A rule that matched the request path, and the policy it came from.
    public struct MatchedRule: Sendable, Hashable {
        public let policy: String
        public let path: String
        public let capabilities: [Capability]
        public let location: SourceLocation
    }

    public let outcome: Outcome
    public let reason: String
    public let tenant: String?
    public let binding: String?
    public let tenantClass: String?
    /// True when a global-scope binding decided: admin or auditor access, flagged wherever it is used.
    public let globalScope: Bool
    public let matchedRules: [MatchedRule]
    public let effectiveTTL: Duration?
    /// What cut the TTL: `requested`, `class default`, `rule max_ttl (policy)`, `class max_ttl (class)`.
    public let ttlLimitedBy: String?
    /// The most a lease may live in all, renewals included: the class max, cut by the granting rules' max.
    public let maxTTL: Duration?
    public let bundleDigest: String
    public let bundleCommit: String?

    public var isAllowed: Bool { outcome == .allow }
}

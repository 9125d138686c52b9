/// A tier of service. Everything that varies between tiers is data here, never a code branch.
public struct TenantClass: Sendable, Hashable {
    public enum Isolation: String, Sendable, Hashable, Codable { case pooled, siloed }

    public let name: String
    public let defaultTTL: Duration
    public let maxTTL: Duration
    /// Engines this class may use: the first segment of a path (`aws`, `db`, `token`).
    public let engines: Set<String>
    public let residency: [String]
    public let auditRetentionDays: Int
    public let requestsPerSecond: Int
    public let burst: Int
    public let maxLeases: Int
    public let isolation: Isolation
    /// Whether leases of this class may be renewed (the engine must support it too).
    public let renewable: Bool
    public let location: SourceLocation

    public init(
        name: String, defaultTTL: Duration, maxTTL: Duration, engines: Set<String>, residency: [String],
        auditRetentionDays: Int, requestsPerSecond: Int, burst: Int, maxLeases: Int, isolation: Isolation,
        renewable: Bool = true, location: SourceLocation
    ) {
        self.name = name
        self.defaultTTL = defaultTTL
        self.maxTTL = maxTTL
        self.engines = engines
        self.residency = residency
        self.auditRetentionDays = auditRetentionDays
        self.requestsPerSecond = requestsPerSecond
        self.burst = burst
        self.maxLeases = maxLeases
        self.isolation = isolation
        self.renewable = renewable
        self.location = location
    }
}

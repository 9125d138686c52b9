/// Named rules of path pattern and capabilities. Tenant policies reach only the tenant's own paths;
/// `scope: global` policies exist for admin and auditor bindings only.
public struct Policy: Sendable, Hashable {
    public enum Scope: String, Sendable, Hashable, Codable { case tenant, global }

    public struct Rule: Sendable, Hashable {
        public let path: PathPattern
        public let capabilities: Set<Capability>
        /// Caps the TTL of credentials this rule grants.
        public let maxTTL: Duration?
        public let location: SourceLocation

        public init(path: PathPattern, capabilities: Set<Capability>, maxTTL: Duration?, location: SourceLocation) {
            self.path = path
            self.capabilities = capabilities
            self.maxTTL = maxTTL
            self.location = location
        }
    }

    public let name: String
    public let scope: Scope
    public let rules: [Rule]
    public let location: SourceLocation

    public init(name: String, scope: Scope, rules: [Rule], location: SourceLocation) {
        self.name = name
        self.scope = scope
        self.rules = rules
        self.location = location
    }
}

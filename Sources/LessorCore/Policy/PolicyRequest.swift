/// What a caller asks for: a capability on a tenant-relative path, and optionally a TTL.
public struct PolicyRequest: Sendable, Hashable {
    public let path: RequestPath
    public let capability: Capability
    public let requestedTTL: Duration?

    public init(path: RequestPath, capability: Capability, requestedTTL: Duration? = nil) {
        self.path = path
        self.capability = capability
        self.requestedTTL = requestedTTL
    }
}

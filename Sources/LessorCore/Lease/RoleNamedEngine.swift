/// An engine whose credentials callers may also ask for by upstream's own role name (an AWS role
/// ARN through the STS protocol) instead of a Lessor path.
public protocol RoleNamedEngine: CredentialEngine {
    /// The engine path (below the engine's segment, e.g. `["roles", "deployer"]`) whose credential
    /// `upstreamName` is for `tenant`; nil when it is none of that tenant's roles.
    func enginePath(forUpstreamName upstreamName: String, tenant: String) -> [String]?
}

import Foundation
public import LessorCore

extension Broker {
    /// RFC 7662: the live lease behind a broker token whose signature the adapter verified, or nil
    /// (`active: false`). A caller learns only about its own tenant's tokens: any other tenant's
    /// token is inactive to it, exactly like a revoked one.
    public func introspect(_ caller: Caller, tokenTenant: String, leaseID: String) async throws(LessorError) -> Lease? {
        guard case .tenant(_, let tenant, _) = policies.current.bind(caller.identity), tenant.id == tokenTenant,
            Self.isWellFormed(leaseID)
        else { return nil }
        guard let lease = try await store.lease(id: leaseID, tenantID: tenant.id), lease.isLive(at: clock.now) else {
            return nil
        }
        return lease
    }
}

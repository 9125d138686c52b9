import Foundation
public import LessorCore

extension Broker {
    /// The live lease whose credential carries `lookupKey` (an AWS access key id) and its opened
    /// revocation handle, for an adapter to verify a request signed with that credential. A key
    /// that is unknown, or whose lease is not active, has expired, or belongs to a tenant that is no
    /// longer active, is refused (and recorded) with one message, whichever it was.
    public func presentedCredential(lookupKey: String, requestID: String, path: String) async throws(LessorError)
        -> (lease: Lease, revocationHandle: [UInt8])
    {
        let now = clock.now
        if let lease = try await store.lease(lookupDigest: Self.lookupDigest(lookupKey)), lease.state == .active,
            lease.expiresAt > now, let tenant = try await store.tenant(lease.tenantID), tenant.state == .active,
            let handle = try handle(of: lease, tenant: tenant)
        {
            return (lease, handle)
        }
        try await refuseUnauthenticated(
            LessorError(
                .unauthenticated, "the presented credential was not issued by this broker or is no longer live"),
            requestID: requestID, path: path)
    }
}

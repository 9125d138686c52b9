public import Foundation
public import LessorCore
import PostgresNIO

extension PostgresLeaseStore {
    public func insertIntent(_ lease: Lease) async throws(LessorError) {
        try PostgresInput.require(lease.id, "the lease id")
        try PostgresInput.require(lease.tenantID, "the tenant id")
        try PostgresInput.requirePending(lease)
        _ = try await rows(
            """
            INSERT INTO leases (\(unescaped: Lease.postgresColumns))
            VALUES (\(lease.id), \(lease.tenantID), \(lease.issuer), \(lease.subject), \(lease.binding),
                \(lease.path), \(lease.engine), \(PostgresTime.milliseconds(lease.issuedAt)),
                \(PostgresTime.milliseconds(lease.expiresAt)), \(PostgresTime.milliseconds(lease.maxExpiresAt)),
                \(lease.renewable), \(lease.state.rawValue), \(lease.sealedRevocationHandle.map { ByteBuffer(bytes: $0) }),
                \(lease.policyDigest), \(lease.requestID), \(lease.revokeAttempts),
                \(lease.nextAttemptAt.map(PostgresTime.milliseconds)), \(lease.lastError))
            """,
            while: "recording a lease intent failed")
    }

    public func activate(leaseID: String, sealedRevocationHandle: [UInt8]?, lookupDigest: String?)
        async throws(LessorError) -> Bool
    {
        try PostgresInput.require(leaseID, "the lease id")
        if let lookupDigest { try LookupDigest.require(lookupDigest) }
        let changed = try await rows(
            """
            UPDATE leases SET state = 'active', sealed_revocation_handle = \(sealedRevocationHandle.map { ByteBuffer(bytes: $0) }),
                lookup_digest = \(lookupDigest)
            WHERE id = \(leaseID) AND state = 'pending'
                AND EXISTS (SELECT 1 FROM tenants WHERE tenants.id = leases.tenant_id AND tenants.state = 'active')
            RETURNING 1
            """,
            while: "activating a lease failed")
        return !changed.isEmpty
    }

    public func extend(leaseID: String, tenantID: String, to expiresAt: Date, at now: Date) async throws(LessorError)
        -> Lease?
    {
        try PostgresInput.require(leaseID, "the lease id")
        try PostgresInput.require(tenantID, "the tenant id")
        let newExpiry = PostgresTime.milliseconds(expiresAt)
        return try await rows(
            """
            UPDATE leases SET expires_at = \(newExpiry)
            WHERE tenant_id = \(tenantID) AND id = \(leaseID) AND state = 'active'
                AND expires_at > \(PostgresTime.milliseconds(now)) AND \(newExpiry) <= max_expires_at
            RETURNING \(unescaped: Lease.postgresColumns)
            """,
            while: "extending a lease failed", decode: Lease.init(postgresRow:)
        ).first
    }
}

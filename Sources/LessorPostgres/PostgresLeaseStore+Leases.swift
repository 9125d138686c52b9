public import Foundation
public import LessorCore
import PostgresNIO

extension PostgresLeaseStore {
    public func insertIntent(_ lease: Lease) async throws(LessorError) {
        try Self.requireIntent(lease)
        _ = try await rows(Self.intentInsert(lease, liveLeaseLimit: nil), while: "recording a lease intent failed")
    }

    public func admitIntent(_ lease: Lease, liveLeaseLimit: Int) async throws(LessorError) -> IntentAdmission {
        try Self.requireIntent(lease)
        let answer = try await rows(
            Self.intentInsert(lease, liveLeaseLimit: liveLeaseLimit), while: "recording a lease intent failed",
            decode: { try $0.decode((String?, Int).self) }
        ).first
        guard let (stateName, inserted) = answer else {
            throw LessorError(.storeUnavailable, "recording a lease intent returned no row")
        }
        if inserted == 1 { return .recorded }
        guard let stateName else { return .tenantUnknown }
        guard let state = TenantRecord.State(rawValue: stateName) else {
            throw LessorError(.storeUnavailable, "the stored tenant state \(stateName) is unknown")
        }
        return state == .active ? .leaseLimitReached : .tenantInactive(state)
    }

    private static func requireIntent(_ lease: Lease) throws(LessorError) {
        try PostgresInput.require(lease.id, "the lease id")
        try PostgresInput.require(lease.tenantID, "the tenant id")
        try PostgresInput.requirePending(lease)
    }

    /// The intent's insert, answering the tenant's state and whether the intent was written, all
    /// read in one snapshot. With a limit the intent is written only if its tenant is active and
    /// holds fewer live leases (the exact count, stopped at the limit: a counter row would
    /// serialize every replica's grants of one tenant on its lock). Without one the checks are
    /// dropped (the query is planned with its values), and an unknown tenant fails the foreign key.
    private static func intentInsert(_ lease: Lease, liveLeaseLimit: Int?) -> PostgresQuery {
        let limit = max(liveLeaseLimit ?? 0, 0)
        return """
            WITH tenant AS (SELECT state FROM tenants WHERE id = \(lease.tenantID)),
            live AS (
                SELECT count(*) AS leases FROM (
                    SELECT 1 FROM leases
                    WHERE tenant_id = \(lease.tenantID) AND state = 'active'
                        AND expires_at > \(PostgresTime.milliseconds(lease.issuedAt))
                    LIMIT \(limit)
                ) AS counted
            ),
            inserted AS (
                INSERT INTO leases (\(unescaped: Lease.postgresColumns))
                SELECT \(lease.id), \(lease.tenantID), \(lease.issuer), \(lease.subject), \(lease.binding),
                    \(lease.path), \(lease.engine), \(PostgresTime.milliseconds(lease.issuedAt)),
                    \(PostgresTime.milliseconds(lease.expiresAt)), \(PostgresTime.milliseconds(lease.maxExpiresAt)),
                    \(lease.renewable), \(lease.state.rawValue), \(lease.sealedRevocationHandle.map { ByteBuffer(bytes: $0) }),
                    \(lease.policyDigest), \(lease.requestID), \(lease.revokeAttempts),
                    \(lease.nextAttemptAt.map(PostgresTime.milliseconds)), \(lease.lastError)
                WHERE NOT \(liveLeaseLimit != nil)
                    OR ((SELECT state FROM tenant) = 'active' AND (SELECT leases FROM live) < \(limit))
                RETURNING 1
            )
            SELECT (SELECT state FROM tenant), (SELECT count(*) FROM inserted)::bigint
            """
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

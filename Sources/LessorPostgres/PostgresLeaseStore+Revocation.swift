public import Foundation
public import LessorCore
import PostgresNIO

extension PostgresLeaseStore {
    /// One statement for the whole batch (`id = ANY($1)`).
    public func markRevoked(leaseIDs: [String], tenantID: String, at now: Date) async throws(LessorError) -> Int {
        try PostgresInput.require(tenantID, "the tenant id")
        for id in leaseIDs { try PostgresInput.require(id, "a lease id") }
        guard !leaseIDs.isEmpty else { return 0 }
        return try await rows(
            """
            WITH changed AS (
                UPDATE leases SET state = 'revoked', next_attempt_at = NULL,
                    revoked_at = \(PostgresTime.milliseconds(now))
                WHERE tenant_id = \(tenantID) AND id = ANY(\(leaseIDs)) AND state IN ('pending', 'active', 'revoking')
                RETURNING 1
            )
            SELECT count(*) FROM changed
            """,
            while: "marking leases revoked failed", decode: { try $0.decode(Int.self) }
        ).first ?? 0
    }

    public func recordRevocationFailure(
        leaseID: String, attempts: Int, nextAttemptAt: Date?, error: String
    ) async throws(LessorError) {
        try PostgresInput.require(leaseID, "the lease id")
        try PostgresInput.require(attempts: attempts)
        let next = nextAttemptAt.map(PostgresTime.milliseconds)
        _ = try await rows(
            """
            UPDATE leases SET state = CASE WHEN \(next)::bigint IS NULL THEN 'irrevocable' ELSE 'revoking' END,
                revoke_attempts = \(attempts), next_attempt_at = \(next), last_error = \(error)
            WHERE id = \(leaseID) AND state IN ('pending', 'active', 'revoking')
            """,
            while: "recording a failed revocation failed")
    }

    /// `FOR UPDATE SKIP LOCKED` lets replicas claim concurrently without waiting on each other or
    /// claiming the same lease; a row another replica claimed and committed meanwhile is re-checked
    /// under the lock and dropped because its next attempt moved past `now`.
    public func claimDue(now: Date, pendingBefore: Date, hold: Duration, limit: Int) async throws(LessorError)
        -> [Lease]
    {
        try PostgresInput.require(limit: limit)
        let at = PostgresTime.milliseconds(now)
        let holdUntil = at + PostgresTime.milliseconds(hold)
        return try await rows(
            """
            UPDATE leases SET next_attempt_at = \(holdUntil)
            WHERE id IN (
                SELECT id FROM leases
                WHERE ((state = 'active' AND expires_at <= \(at))
                        OR (state = 'revoking' AND next_attempt_at <= \(at))
                        OR (state = 'pending' AND issued_at < \(PostgresTime.milliseconds(pendingBefore))))
                    AND (next_attempt_at IS NULL OR next_attempt_at <= \(at))
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            RETURNING \(unescaped: Lease.postgresColumns)
            """,
            while: "claiming due leases failed", decode: Lease.init(postgresRow:))
    }
}

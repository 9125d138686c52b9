public import Foundation
public import LessorCore
import PostgresNIO

extension PostgresLeaseStore {
    public func lease(id: String, tenantID: String) async throws(LessorError) -> Lease? {
        try PostgresInput.require(id, "the lease id")
        try PostgresInput.require(tenantID, "the tenant id")
        return try await rows(
            "SELECT \(unescaped: Lease.postgresColumns) FROM leases WHERE tenant_id = \(tenantID) AND id = \(id)",
            while: "reading a lease failed", decode: Lease.init(postgresRow:)
        ).first
    }

    public func lease(lookupDigest: String) async throws(LessorError) -> Lease? {
        try LookupDigest.require(lookupDigest)
        return try await rows(
            "SELECT \(unescaped: Lease.postgresColumns) FROM leases WHERE lookup_digest = \(lookupDigest)",
            while: "reading a lease by its lookup digest failed", decode: Lease.init(postgresRow:)
        ).first
    }

    public func leases(tenantID: String, binding: String?, after: String?, limit: Int) async throws(LessorError)
        -> [Lease]
    {
        try PostgresInput.require(tenantID, "the tenant id")
        try PostgresInput.require(limit: limit)
        return try await rows(
            """
            SELECT \(unescaped: Lease.postgresColumns) FROM leases
            WHERE tenant_id = \(tenantID) AND id > \(after ?? "")
                AND (\(binding)::text IS NULL OR binding = \(binding))
            ORDER BY id LIMIT \(limit)
            """,
            while: "listing a tenant's leases failed", decode: Lease.init(postgresRow:))
    }

    /// One index range per outstanding state on `(tenant_id, state, id)`, merged in id order, so
    /// each page reads at most `limit` rows per state however many leases the tenant has.
    public func outstandingLeases(tenantID: String, after: String?, limit: Int) async throws(LessorError) -> [Lease] {
        try PostgresInput.require(tenantID, "the tenant id")
        try PostgresInput.require(limit: limit)
        let after = after ?? ""
        return try await rows(
            """
            SELECT \(unescaped: Lease.postgresColumns) FROM (
                (SELECT * FROM leases WHERE tenant_id = \(tenantID) AND state = 'pending' AND id > \(after)
                    ORDER BY id LIMIT \(limit))
                UNION ALL
                (SELECT * FROM leases WHERE tenant_id = \(tenantID) AND state = 'active' AND id > \(after)
                    ORDER BY id LIMIT \(limit))
                UNION ALL
                (SELECT * FROM leases WHERE tenant_id = \(tenantID) AND state = 'revoking' AND id > \(after)
                    ORDER BY id LIMIT \(limit))
            ) AS outstanding
            ORDER BY id LIMIT \(limit)
            """,
            while: "listing a tenant's outstanding leases failed", decode: Lease.init(postgresRow:))
    }

    public func liveLeaseCount(tenantID: String, at now: Date) async throws(LessorError) -> Int {
        try PostgresInput.require(tenantID, "the tenant id")
        return try await rows(
            """
            SELECT count(*) FROM leases
            WHERE tenant_id = \(tenantID) AND state = 'active' AND expires_at > \(PostgresTime.milliseconds(now))
            """,
            while: "counting a tenant's live leases failed", decode: { try $0.decode(Int.self) }
        ).first ?? 0
    }

    public func statistics(at now: Date) async throws(LessorError) -> LeaseStatistics {
        let at = PostgresTime.milliseconds(now)
        let counts = try await rows(
            """
            SELECT
                (SELECT count(*) FROM leases WHERE state = 'active' AND expires_at > \(at)),
                (SELECT count(*) FROM leases WHERE state = 'active' AND expires_at <= \(at))
                    + (SELECT count(*) FROM leases WHERE state = 'revoking'),
                (SELECT count(*) FROM leases WHERE state = 'irrevocable')
            """,
            while: "counting leases failed", decode: { try $0.decode((Int, Int, Int).self) })
        guard let (live, backlog, irrevocable) = counts.first else {
            return LeaseStatistics(live: 0, revocationBacklog: 0, irrevocable: 0)
        }
        return LeaseStatistics(live: live, revocationBacklog: backlog, irrevocable: irrevocable)
    }

    public func auditAnchor(log: String) async throws(LessorError) -> AuditAnchor? {
        try PostgresInput.require(log, "the audit log name")
        return try await rows(
            "SELECT sequence, hash FROM audit_anchors WHERE log = \(log)", while: "reading the audit anchor failed",
            decode: { row in
                let (sequence, hash) = try row.decode((Int, String).self)
                return AuditAnchor(sequence: sequence, hash: hash)
            }
        ).first
    }

    public func recordAuditAnchor(_ anchor: AuditAnchor, log: String, rewinding: Bool, at now: Date)
        async throws(LessorError)
    {
        try PostgresInput.require(log, "the audit log name")
        let at = PostgresTime.milliseconds(now)
        // Forward only unless rewinding: a late write of an older position never moves it back.
        _ = try await rows(
            """
            INSERT INTO audit_anchors (log, sequence, hash, updated_at)
            VALUES (\(log), \(anchor.sequence), \(anchor.hash), \(at))
            ON CONFLICT (log) DO UPDATE SET sequence = EXCLUDED.sequence, hash = EXCLUDED.hash,
                updated_at = EXCLUDED.updated_at
            WHERE \(rewinding) OR EXCLUDED.sequence > audit_anchors.sequence
            """,
            while: "recording the audit anchor failed")
    }
}

public import Foundation
public import LessorCore
import PostgresNIO

extension PostgresLeaseStore {
    public func tenant(_ id: String) async throws(LessorError) -> TenantRecord? {
        try PostgresInput.require(id, "the tenant id")
        return try await rows(
            "SELECT \(unescaped: TenantRecord.postgresColumns) FROM tenants WHERE id = \(id)",
            while: "reading a tenant failed", decode: TenantRecord.init(postgresRow:)
        ).first
    }

    public func ensureTenant(_ id: String, wrappedDataKey: [UInt8], at now: Date) async throws(LessorError)
        -> TenantRecord
    {
        try PostgresInput.require(id, "the tenant id")
        let at = PostgresTime.milliseconds(now)
        let inserted = try await rows(
            """
            INSERT INTO tenants (id, state, created_at, updated_at, wrapped_data_key)
            VALUES (\(id), 'active', \(at), \(at), \(ByteBuffer(bytes: wrappedDataKey)))
            ON CONFLICT (id) DO NOTHING
            RETURNING \(unescaped: TenantRecord.postgresColumns)
            """,
            while: "creating a tenant failed", decode: TenantRecord.init(postgresRow:))
        if let record = inserted.first {
            return record
        }
        return try await existingTenant(id, while: "creating a tenant failed")
    }

    public func beginOffboarding(_ id: String, at now: Date) async throws(LessorError) -> TenantRecord {
        try PostgresInput.require(id, "the tenant id")
        let at = PostgresTime.milliseconds(now)
        let changed = try await rows(
            """
            INSERT INTO tenants (id, state, created_at, updated_at, wrapped_data_key)
            VALUES (\(id), 'offboarding', \(at), \(at), NULL)
            ON CONFLICT (id) DO UPDATE SET state = 'offboarding', updated_at = EXCLUDED.updated_at
            WHERE tenants.state = 'active'
            RETURNING \(unescaped: TenantRecord.postgresColumns)
            """,
            while: "starting a tenant's offboarding failed", decode: TenantRecord.init(postgresRow:))
        if let record = changed.first {
            return record
        }
        return try await existingTenant(id, while: "starting a tenant's offboarding failed")
    }

    public func finishOffboarding(_ id: String, at now: Date) async throws(LessorError) {
        try PostgresInput.require(id, "the tenant id")
        let at = PostgresTime.milliseconds(now)
        _ = try await rows(
            """
            INSERT INTO tenants (id, state, created_at, updated_at, wrapped_data_key)
            VALUES (\(id), 'offboarded', \(at), \(at), NULL)
            ON CONFLICT (id) DO UPDATE SET state = 'offboarded', updated_at = EXCLUDED.updated_at,
                wrapped_data_key = NULL
            WHERE tenants.state <> 'offboarded' OR tenants.wrapped_data_key IS NOT NULL
            """,
            while: "finishing a tenant's offboarding failed")
    }

    /// The record an upsert left unchanged; it exists because the upsert conflicted with it.
    private func existingTenant(_ id: String, while failed: String) async throws(LessorError) -> TenantRecord {
        guard let record = try await tenant(id) else {
            throw LessorError(.storeUnavailable, "\(failed) (the tenant row vanished); check for manual deletes")
        }
        return record
    }
}

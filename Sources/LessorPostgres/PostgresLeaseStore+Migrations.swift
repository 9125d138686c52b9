public import LessorCore
import Logging
import PostgresNIO

extension PostgresLeaseStore {
    /// The advisory lock every migration transaction takes first, so replicas starting together
    /// apply each migration exactly once ("Lessor" in ASCII).
    static let migrationLockKey: Int64 = 0x4C65_7373_6F72

    /// Applies the migrations this database has not seen yet, each in its own transaction under
    /// `pg_advisory_xact_lock`, and returns how many this call applied. `run()` calls it; call it
    /// yourself only with the pool running. Refuses a database whose schema is newer than this broker.
    @discardableResult
    public func migrate() async throws(LessorError) -> Int {
        let known = PostgresMigration.all.map(\.version).max() ?? 0
        var applied = 0
        for migration in PostgresMigration.all {
            let logger = self.logger
            let schema = self.schema
            do {
                let didApply = try await client.withTransaction(logger: logger) { connection in
                    try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLockKey))", logger: logger)
                    if let schema {
                        // `schema` passed `PostgresStoreConfiguration.isSchemaName`, so quoting it is enough.
                        try await connection.query(
                            PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger)
                    }
                    try await connection.query(
                        """
                        CREATE TABLE IF NOT EXISTS schema_migrations (
                            version integer PRIMARY KEY,
                            name text NOT NULL,
                            applied_at timestamptz NOT NULL DEFAULT now()
                        )
                        """, logger: logger)
                    let rows = try await connection.query(
                        "SELECT coalesce(max(version), 0)::bigint, count(*) FILTER (WHERE version = \(migration.version)) FROM schema_migrations",
                        logger: logger
                    ).collect()
                    let (newest, present) = try rows[0].decode((Int, Int).self)
                    guard newest <= known else {
                        throw LessorError(
                            .storeUnavailable,
                            "the database schema is at version \(newest), newer than this broker's \(known); "
                                + "upgrade the broker or point it at another database")
                    }
                    guard present == 0 else { return false }
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                        logger: logger)
                    return true
                }
                if didApply {
                    applied += 1
                    logger.info("applied store migration", metadata: ["version": "\(migration.version)"])
                }
            } catch {
                throw PostgresStoreFailure.error(
                    error, while: "applying store migration \(migration.version) (\(migration.name)) failed",
                    endpoint: endpoint)
            }
        }
        migrated.open()
        return applied
    }
}

public import LessorCore
public import Logging
import PostgresNIO
public import ServiceLifecycle

/// The `LeaseStore` on PostgreSQL, for several broker replicas sharing one database.
///
/// The store owns a connection pool that only works while `run()` runs: add the store to the
/// composition root's `ServiceGroup` before the services that use it. `run()` applies the
/// migrations first, and calls made meanwhile wait for them. `withRunning(_:)` does the same for
/// commands and tests. Every call is one autocommitted statement, so what one replica writes is what
/// the next read on any replica sees.
public final class PostgresLeaseStore: LeaseStore, Service {
    let client: PostgresClient
    let logger: Logger
    /// `host:port/database`, for error messages.
    let endpoint: String
    /// The schema the migrations create, if the configuration names one.
    let schema: String?
    let migrated = MigrationGate()

    /// Creates the store and its pool; nothing connects until `run()`.
    public init(configuration: PostgresStoreConfiguration, logger: Logger) {
        self.client = PostgresClient(configuration: configuration.clientConfiguration, backgroundLogger: logger)
        self.logger = logger
        self.endpoint = configuration.description
        self.schema = configuration.schema
    }

    /// Parses `url` (see `PostgresStoreConfiguration`) and creates the store; nothing connects until `run()`.
    public convenience init(url: String, logger: Logger) throws(LessorError) {
        self.init(configuration: try PostgresStoreConfiguration(url: url), logger: logger)
    }

    /// Runs the connection pool and applies the migrations, then keeps the pool running until the
    /// task is cancelled or a graceful shutdown is triggered. Throws if the migrations fail; calls
    /// made then, or after it returns, fail with `storeUnavailable`.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.runPool() }
            do throws(LessorError) {
                try await migrate()
            } catch {
                migrated.fail(error)
                throw error
            }
            try await group.waitForAll()
        }
        migrated.fail(LessorError(.storeUnavailable, "the PostgreSQL store has shut down; calls need run() running"))
    }

    /// Runs only the connection pool, without migrating, until the task is cancelled.
    func runPool() async {
        await client.run()
    }

    /// Runs the store (pool and migrations), calls `body` once migrated, then shuts the pool down.
    public func withRunning<Result: Sendable>(
        _ body: (PostgresLeaseStore) async throws -> Result
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Void.self, returning: Result.self) { group in
            group.addTask { try await self.run() }
            defer { group.cancelAll() }
            try await migrated.wait()
            return try await body(self)
        }
    }

    /// Runs `query` and collects its rows; any failure becomes `storeUnavailable` saying what failed.
    func rows(_ query: PostgresQuery, while failed: String) async throws(LessorError) -> [PostgresRow] {
        try await migrated.wait()
        do {
            return try await client.query(query).collect()
        } catch {
            throw PostgresStoreFailure.error(error, while: failed, endpoint: endpoint)
        }
    }

    /// Runs `query` and decodes each row with `decode`; decoding failures are reported like query failures.
    func rows<Value>(
        _ query: PostgresQuery, while failed: String, decode: (PostgresRow) throws -> Value
    ) async throws(LessorError) -> [Value] {
        let rows = try await rows(query, while: failed)
        do {
            return try rows.map(decode)
        } catch {
            throw PostgresStoreFailure.error(error, while: failed, endpoint: endpoint)
        }
    }
}

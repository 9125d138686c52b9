import Foundation
import LessorCore
import Logging
import Testing

@testable import LessorPostgres

/// The PostgreSQL the tests run against: `LESSOR_TEST_POSTGRES_URL`, which scripts/test.sh sets
/// after starting a throwaway cluster. Each store gets its own new schema, so tests run in
/// parallel on one database; the schemas go when the cluster is stopped.
enum PostgresTestDatabase {
    static let urlVariable = "LESSOR_TEST_POSTGRES_URL"

    /// The test database with a schema no other store uses. A missing URL fails the test.
    static func freshConfiguration(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws
        -> PostgresStoreConfiguration
    {
        let url = try #require(
            ProcessInfo.processInfo.environment[urlVariable].flatMap { $0.isEmpty ? nil : $0 },
            """
            \(urlVariable) is not set: run the tests with scripts/test.sh, or start a database with \
            `export \(urlVariable)=$(scripts/postgres-test.sh start)`
            """,
            sourceLocation: sourceLocation)
        var configuration = try PostgresStoreConfiguration(url: url)
        configuration.schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        configuration.maximumConnections = 4
        return configuration
    }

    /// A store on `configuration` that logs nothing.
    static func store(_ configuration: PostgresStoreConfiguration) -> PostgresLeaseStore {
        PostgresLeaseStore(
            configuration: configuration,
            logger: Logger(label: "lessor.test.postgres") { _ in
                SwiftLogNoOpLogHandler()
            })
    }

    /// Runs `body` with a migrated store on a fresh schema, then shuts its pool down.
    static func withStore<Result: Sendable>(
        sourceLocation: Testing.SourceLocation = #_sourceLocation, _ body: (PostgresLeaseStore) async throws -> Result
    ) async throws -> Result {
        try await store(freshConfiguration(sourceLocation: sourceLocation)).withRunning(body)
    }

    /// A migrated store on a fresh schema whose pool runs until the test process exits, for
    /// suites that hold a store without a scope to close it in. Idle connections close after a minute.
    static func makeStore(sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws -> PostgresLeaseStore
    {
        let store = store(try freshConfiguration(sourceLocation: sourceLocation))
        Task.detached { try await store.run() }
        try await store.migrated.wait()
        return store
    }
}

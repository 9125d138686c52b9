import LessorCore
import LessorSQLite
import Testing

/// Every `LeaseStore` implementation the contract suite runs against.
enum StoreKind: CaseIterable, Sendable {
    case sqlite
    /// A fresh schema in the database at `LESSOR_TEST_POSTGRES_URL` (see `PostgresTestDatabase`).
    case postgres

    /// A fresh, empty store.
    func makeStore() async throws -> any LeaseStore {
        switch self {
        case .sqlite: try SQLiteLeaseStore.open(path: ScratchDirectory.newDatabasePath())
        case .postgres: try await PostgresTestDatabase.makeStore()
        }
    }
}

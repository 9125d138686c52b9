import Foundation
import LessorCore
import PostgresNIO

extension TenantRecord {
    /// The columns `init(postgresRow:)` reads, in order.
    static let postgresColumns = "id, state, created_at, updated_at, wrapped_data_key"

    init(postgresRow row: PostgresRow) throws {
        let (id, state, createdAt, updatedAt, wrappedDataKey) =
            try row.decode((String, String, Int64, Int64, Data?).self)
        guard let tenantState = State(rawValue: state) else {
            throw LessorError(
                .storeUnavailable,
                "reading a tenant failed (unknown state '\(state)'); check that the schema matches this broker version")
        }
        self.init(
            id: id, state: tenantState, createdAt: PostgresTime.date(createdAt),
            updatedAt: PostgresTime.date(updatedAt), wrappedDataKey: wrappedDataKey.map { [UInt8]($0) })
    }
}

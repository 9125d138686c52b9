import Foundation
import GRDB
import LessorCore

/// How a `TenantRecord` maps onto a row of `tenants`.
enum TenantRow {
    static let select = "SELECT id, state, created_at, updated_at, wrapped_data_key FROM tenants WHERE id = ?"

    static func fetch(_ db: Database, id: String) throws -> TenantRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: select), arguments: [id]) else { return nil }
        let stateName: String = try row.decode(atIndex: 1)
        guard let state = TenantRecord.State(rawValue: stateName) else { throw SQLiteStoreFailure.unknownTenantState }
        let key: Data? = try row.decode(atIndex: 4)
        return TenantRecord(
            id: try row.decode(atIndex: 0), state: state, createdAt: SQLiteTime.date(try row.decode(atIndex: 2)),
            updatedAt: SQLiteTime.date(try row.decode(atIndex: 3)), wrappedDataKey: key.map { [UInt8]($0) })
    }
}

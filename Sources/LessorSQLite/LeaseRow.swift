import Foundation
import GRDB
import LessorCore

/// How a `Lease` maps onto a row of `leases`: the selected columns, in the order `init(row:)`
/// reads them, and the arguments `insert` binds.
enum LeaseRow {
    static let columns = """
        id, tenant_id, issuer, subject, binding, path, engine, issued_at, expires_at, max_expires_at, renewable, \
        state, sealed_revocation_handle, policy_digest, request_id, revoke_attempts, next_attempt_at, last_error
        """

    static let insert = "INSERT INTO leases (\(columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    /// The states in which a credential may still exist, as an SQL list.
    static let outstandingStates = "('pending', 'active', 'revoking')"

    static func arguments(_ lease: Lease) -> StatementArguments {
        let values: [(any DatabaseValueConvertible)?] = [
            lease.id, lease.tenantID, lease.issuer, lease.subject, lease.binding, lease.path, lease.engine,
            SQLiteTime.milliseconds(lease.issuedAt), SQLiteTime.milliseconds(lease.expiresAt),
            SQLiteTime.milliseconds(lease.maxExpiresAt), lease.renewable, lease.state.rawValue,
            lease.sealedRevocationHandle.map { Data($0) }, lease.policyDigest, lease.requestID, lease.revokeAttempts,
            lease.nextAttemptAt.map(SQLiteTime.milliseconds), lease.lastError,
        ]
        return StatementArguments(values)
    }

    static func lease(_ row: Row) throws -> Lease {
        let stateName: String = try row.decode(atIndex: 11)
        guard let state = LeaseState(rawValue: stateName) else { throw SQLiteStoreFailure.unknownLeaseState }
        let handle: Data? = try row.decode(atIndex: 12)
        let nextAttempt: Int64? = try row.decode(atIndex: 16)
        return Lease(
            id: try row.decode(atIndex: 0), tenantID: try row.decode(atIndex: 1), issuer: try row.decode(atIndex: 2),
            subject: try row.decode(atIndex: 3), binding: try row.decode(atIndex: 4), path: try row.decode(atIndex: 5),
            engine: try row.decode(atIndex: 6), issuedAt: SQLiteTime.date(try row.decode(atIndex: 7)),
            expiresAt: SQLiteTime.date(try row.decode(atIndex: 8)),
            maxExpiresAt: SQLiteTime.date(try row.decode(atIndex: 9)), renewable: try row.decode(atIndex: 10),
            state: state, sealedRevocationHandle: handle.map { [UInt8]($0) }, policyDigest: try row.decode(atIndex: 13),
            requestID: try row.decode(atIndex: 14), revokeAttempts: try row.decode(atIndex: 15),
            nextAttemptAt: nextAttempt.map(SQLiteTime.date), lastError: try row.decode(atIndex: 17))
    }

    /// Runs a cached `SELECT` of lease rows and maps every row.
    static func fetch(_ db: Database, sql: String, arguments: StatementArguments) throws -> [Lease] {
        let statement = try db.cachedStatement(sql: sql)
        return try Array(Row.fetchCursor(statement, arguments: arguments).map(lease))
    }
}

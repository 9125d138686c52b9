import GRDB
import LessorCore

/// Failures the store detects itself; `storeError(_:while:)` turns them, and every GRDB or SQLite
/// error, into `storeUnavailable` with what failed and what to check. Messages never carry bound
/// values (lease ids, tenant keys): only the SQLite result code decides the wording.
enum SQLiteStoreFailure: Error {
    case closed
    case unknownLeaseState
    case unknownTenantState
    case rowNotWritten

    static func storeError(_ error: any Error, while action: String) -> LessorError {
        if let error = error as? LessorError { return error }
        return LessorError(.storeUnavailable, "could not \(action): \(explanation(error))")
    }

    private static func explanation(_ error: any Error) -> String {
        switch error {
        case SQLiteStoreFailure.closed:
            return "the store is closed; check that the broker is not shutting down"
        case SQLiteStoreFailure.unknownLeaseState, SQLiteStoreFailure.unknownTenantState:
            return "the database holds a state this version does not know; check that no newer Lessor wrote to it"
        case SQLiteStoreFailure.rowNotWritten:
            return "a row just written could not be read back; check the database file and the logs"
        case is CancellationError:
            return "the task was cancelled; retry the request"
        case let error as DatabaseError:
            return explanation(error)
        default:
            return "a stored row could not be read; check that the database was written by Lessor"
        }
    }

    private static func explanation(_ error: DatabaseError) -> String {
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE where error.message?.contains("lookup_digest") == true:
            // SQLite names the column, never the value.
            return "another lease already has this lookup digest; a lookup key must identify one lease"
        case .SQLITE_CONSTRAINT_PRIMARYKEY, .SQLITE_CONSTRAINT_UNIQUE:
            return "a row with the same id already exists; ids must be unique"
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            return "the lease's tenant is not in the store; create the tenant (ensureTenant) first"
        case .SQLITE_CONSTRAINT_CHECK, .SQLITE_CONSTRAINT_NOTNULL, .SQLITE_CONSTRAINT_DATATYPE:
            return "a value is empty or out of range; check the input"
        default:
            break
        }
        switch error.resultCode {
        case .SQLITE_FULL:
            return "the disk is full; free space on the store's volume"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "the database stayed locked; check that no other process holds the SQLite file"
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return "the database is read-only; check the file's and directory's permissions and the volume"
        case .SQLITE_CANTOPEN:
            return "the file cannot be opened; check that its directory exists and is writable"
        case .SQLITE_IOERR:
            return "an I/O error occurred; check the disk and the kernel log"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return "the file is damaged or not an SQLite database; restore it from a backup"
        case .SQLITE_MISUSE:
            return "the store is closed; check that the broker is not shutting down"
        case .SQLITE_NOMEM:
            return "SQLite ran out of memory; check the process's memory limit"
        default:
            return "SQLite failed with code \(error.extendedResultCode.rawValue); check the database file and the logs"
        }
    }
}

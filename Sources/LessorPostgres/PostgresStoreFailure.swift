import LessorCore
import PostgresNIO

/// Turns any PostgresNIO error into `storeUnavailable` with what failed and what to check. Only
/// error codes, SQLSTATEs and constraint names are used: never the query, its binds, the server's
/// message text (it may quote values) or the password.
enum PostgresStoreFailure {
    static func error(_ error: any Error, while failed: String, endpoint: String) -> LessorError {
        if let error = error as? LessorError {
            return error
        }
        if let transaction = error as? PostgresTransactionError {
            let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError
            if let inner {
                return Self.error(inner, while: failed, endpoint: endpoint)
            }
        }
        return LessorError(
            .storeUnavailable, "\(failed) (\(cause(of: error))); \(hint(for: error, endpoint: endpoint))")
    }

    private static func cause(of error: any Error) -> String {
        switch error {
        case let error as PSQLError:
            guard error.code == .server, let info = error.serverInfo else {
                return "PostgreSQL \(error.code)"
            }
            var parts = ["SQLSTATE \(info[.sqlState] ?? "unknown")"]
            if let constraint = info[.constraintName] {
                parts.append("constraint \(constraint)")
            }
            return "PostgreSQL " + parts.joined(separator: ", ")
        case let error as PostgresDecodingError:
            return "column \(error.columnName) could not be decoded: \(error.code)"
        case is CancellationError:
            return "cancelled"
        default:
            if let poolFailure = poolFailure(error) {
                return poolFailure
            }
            return "\(type(of: error))"
        }
    }

    /// The pool's own errors (`ConnectionPoolError`, from a module this target does not import)
    /// carry only a case: no connection for a while, shut down, or cancelled.
    private static func poolFailure(_ error: any Error) -> String? {
        guard String(describing: type(of: error)) == "ConnectionPoolError" else { return nil }
        let detail = String(reflecting: error)
        if detail.contains("CircuitBreaker") {
            return "no connection could be opened for a minute"
        }
        if detail.contains("poolShutdown") {
            return "the connection pool has shut down"
        }
        return "the connection request was cancelled"
    }

    private static func hint(for error: any Error, endpoint: String) -> String {
        guard let error = error as? PSQLError else {
            if error is PostgresDecodingError {
                return "check that the database schema matches this broker version"
            }
            if poolFailure(error) != nil {
                return "check that PostgreSQL at \(endpoint) is running and reachable, that the URL's user, password "
                    + "and sslmode are right, and that the store's run() is running; the log has each connection error"
            }
            return "check that PostgreSQL at \(endpoint) is reachable and the store is running"
        }
        switch error.code {
        case .server:
            return serverHint(
                sqlState: error.serverInfo?[.sqlState] ?? "", constraint: error.serverInfo?[.constraintName],
                endpoint: endpoint)
        case .sslUnsupported, .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return "check the server's TLS setup and sslmode/sslrootcert in the URL"
        case .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError:
            return "check the user and password in the URL and the server's pg_hba.conf"
        case .poolClosed, .clientClosedConnection:
            return "the store is shutting down, or its run() is not running"
        case .tooManyParameters:
            return "send fewer values in one call"
        default:
            return "check that PostgreSQL at \(endpoint) is running and reachable"
        }
    }

    private static func serverHint(sqlState: String, constraint: String?, endpoint: String) -> String {
        switch sqlState {
        case "23505" where constraint == "leases_by_lookup_digest":
            return "another lease already has this lookup digest; a lookup key must identify one lease"
        case "28000", "28P01":
            return "check the user and password in the URL and the server's pg_hba.conf"
        case "3D000":
            return "check that the database in the URL exists at \(endpoint)"
        case "42501":
            return "check that the user may create and write the store's tables"
        case "23505":
            return "a row with the same id already exists; ids must be unique"
        case "23503":
            return "the lease's tenant is not in the store; create the tenant (ensureTenant) first"
        case "23514", "23502":
            return "a value is empty or out of range; check the input"
        case "42P01", "42703":
            return "the schema is missing or older than this broker; check that migrations ran"
        case "53300":
            return "the server has too many connections; lower the pools' maximum or raise max_connections"
        case "57014":
            return "the statement was cancelled or timed out; check the server's load"
        case "40001", "40P01":
            return "a concurrent transaction conflicted; retry"
        default:
            if sqlState.hasPrefix("08") || sqlState.hasPrefix("57") {
                return "check that PostgreSQL at \(endpoint) is running and reachable"
            }
            if sqlState.hasPrefix("53") {
                return "the server is out of resources (disk, memory or connections); check its log"
            }
            return "check the PostgreSQL server log at \(endpoint)"
        }
    }
}

import Foundation
import LessorCore
import PostgresNIO

extension Lease {
    /// The columns `init(postgresRow:)` reads, in order.
    static let postgresColumns = """
        id, tenant_id, issuer, subject, binding, path, engine, issued_at, expires_at, max_expires_at, \
        renewable, state, sealed_revocation_handle, policy_digest, request_id, revoke_attempts, \
        next_attempt_at, last_error
        """

    init(postgresRow row: PostgresRow) throws {
        let (id, tenantID, issuer, subject, binding, path, engine) =
            try row.decode((String, String, String, String, String, String, String).self)
        let cells = row.makeRandomAccess()
        let state = try cells[11].decode(String.self)
        guard let leaseState = LeaseState(rawValue: state) else {
            throw LessorError(
                .storeUnavailable,
                "reading a lease failed (unknown state '\(state)'); check that the schema matches this broker version")
        }
        self.init(
            id: id, tenantID: tenantID, issuer: issuer, subject: subject, binding: binding, path: path,
            engine: engine,
            issuedAt: PostgresTime.date(try cells[7].decode(Int64.self)),
            expiresAt: PostgresTime.date(try cells[8].decode(Int64.self)),
            maxExpiresAt: PostgresTime.date(try cells[9].decode(Int64.self)),
            renewable: try cells[10].decode(Bool.self),
            state: leaseState,
            sealedRevocationHandle: try cells[12].decode(Data?.self).map { [UInt8]($0) },
            policyDigest: try cells[13].decode(String.self),
            requestID: try cells[14].decode(String.self),
            revokeAttempts: try cells[15].decode(Int.self),
            nextAttemptAt: try cells[16].decode(Int64?.self).map(PostgresTime.date),
            lastError: try cells[17].decode(String?.self))
    }
}

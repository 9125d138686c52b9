import LessorCore

/// Checks on arguments that no store accepts, made before any query: empty ids, limits below 1,
/// negative attempt counts. They fail with `requestInvalid` and never quote the value.
enum PostgresInput {
    static func require(_ value: String, _ what: String) throws(LessorError) {
        guard !value.isEmpty else { throw LessorError(.requestInvalid, "\(what) is empty; pass a non-empty id") }
    }

    static func require(limit: Int) throws(LessorError) {
        guard limit >= 1 else { throw LessorError(.requestInvalid, "the limit is \(limit); pass at least 1") }
    }

    static func require(attempts: Int) throws(LessorError) {
        guard attempts >= 0 else {
            throw LessorError(.requestInvalid, "revocation attempts cannot be negative; pass the attempts made so far")
        }
    }

    static func requirePending(_ lease: Lease) throws(LessorError) {
        guard lease.state == .pending else {
            throw LessorError(
                .requestInvalid, "a lease intent must be pending, not \(lease.state.rawValue); activate it afterwards")
        }
    }
}

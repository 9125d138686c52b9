/// The first thing wrong with a log or an export, and where.
public struct AuditFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// A record's bytes no longer match its hash, or it is no longer a record.
        case modified
        /// Records are missing.
        case deleted
        /// Records are out of order.
        case reordered
        /// A record that does not belong was added.
        case inserted
        /// The file ends inside a record.
        case truncated
        /// A checkpoint's signature does not verify with the auditor's key.
        case badCheckpointSignature = "bad checkpoint signature"
        /// A correctly signed checkpoint disagrees with the records before it.
        case checkpointMismatch = "checkpoint mismatch"
        /// Records after the last checkpoint: intact as far as the chain shows, but no signature vouches for them.
        case unvouched
        /// The log ends before its anchor (the position kept outside the log), or holds another record there.
        case rolledBack = "rolled back"
        /// An export that holds a record of another tenant.
        case foreignRecord = "foreign record"
    }

    public let kind: Kind
    /// The sequence at fault (the first one, for a range), when known.
    public let sequence: Int?
    public let detail: String

    public init(_ kind: Kind, sequence: Int?, _ detail: String) {
        self.kind = kind
        self.sequence = sequence
        self.detail = detail
    }

    public var description: String {
        let place = sequence.map { "sequence \($0)" } ?? "log"
        return "\(place): \(kind.rawValue) — \(detail)"
    }
}

/// A position in an audit log, `(sequence, hash)`: the last durable record as the broker last saw
/// it. The broker keeps its log's anchor outside the log (in the lease store), so a log cut back
/// behind it is refused at start-up and reported by `lessor audit verify --anchor`. Text form:
/// `SEQ:HASH` (decimal sequence, 64 lower-case hex digits).
public struct AuditAnchor: Sendable, Hashable, CustomStringConvertible {
    public let sequence: Int
    public let hash: String

    public init(sequence: Int, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    public init(text: String) throws(LessorError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count <= 18, !parts[0].isEmpty,
            parts[0].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let sequence = Int(parts[0]), sequence >= 1, AuditRecord.isHexHash(String(parts[1]))
        else {
            throw LessorError(
                .requestInvalid, "an audit anchor is SEQ:HASH (a sequence from 1 and 64 lower-case hex digits)")
        }
        self.sequence = sequence
        self.hash = String(parts[1])
    }

    public var description: String { "\(sequence):\(hash)" }
}

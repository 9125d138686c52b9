/// Proof that a record is durable on at least one audit device.
public struct AuditReceipt: Sendable, Hashable {
    public let sequence: Int
    /// The record's chain hash, lowercase hexadecimal SHA-256.
    public let hash: String

    public init(sequence: Int, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }
}

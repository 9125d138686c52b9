public import LessorCore
import LessorCrypto

/// Keyed hashes for audit fields that must not appear in clear (lease ids, token ids), and the
/// labels that name tenants in checkpoints. Keyed BLAKE2b, so a value can be searched for by
/// whoever holds the key (`lessor audit hash VALUE`) but not guessed from the log.
public struct AuditFieldHasher: Sendable {
    /// What every field hash starts with.
    public static let prefix = "mac:"
    private let hasher: KeyedHasher

    public init(key: [UInt8]) throws(LessorError) {
        hasher = try KeyedHasher(key: key)
    }

    /// Reads a key file written by `createKeyFile`.
    public init(keyFile path: String) throws(LessorError) {
        try self.init(key: AuditKeyFile.read(path, what: "audit hash key"))
    }

    /// Writes a new random 32-byte key to `path` (mode 0600); refuses to overwrite.
    public static func createKeyFile(at path: String) throws(LessorError) {
        try AuditKeyFile.create(path, bytes: SecureRandom.bytes(count: 32))
    }

    /// `mac:` and the hexadecimal keyed hash of `value`, as it appears in records.
    public func hash(_ value: String) -> String {
        Self.prefix + hasher.hexHash(Array(value.utf8))
    }

    /// The name of a tenant's chain head in checkpoints. A different domain from `hash`, so a
    /// label is never equal to the searchable hash of the same text.
    public func tenantLabel(_ tenantID: String) -> String {
        hasher.hexHash(Array("lessor-audit-tenant-label\n\(tenantID)".utf8))
    }
}

public import LessorCore
public import LessorCrypto

/// The Ed25519 key that signs checkpoints. Its file holds the 32-byte seed; `publicKey` is what
/// auditors keep.
public struct AuditSigningKey: Sendable {
    /// Also signs deletion certificates, so auditors verify both with the one public key they keep.
    public let keyPair: Ed25519KeyPair
    public let publicKey: AuditPublicKey

    public init(seed: [UInt8]) throws(LessorError) {
        keyPair = try Ed25519KeyPair(seed: seed)
        publicKey = try AuditPublicKey(bytes: keyPair.publicKey)
    }

    public init(keyFile path: String) throws(LessorError) {
        try self.init(seed: AuditKeyFile.read(path, what: "audit signing key"))
    }

    /// Writes a new signing key (mode 0600) and, beside it, the public key file auditors keep.
    /// Refuses to overwrite either.
    @discardableResult
    public static func createKeyFile(at path: String, publicKeyPath: String) throws(LessorError) -> AuditPublicKey {
        let seed = SecureRandom.bytes(count: 32)
        let key = try AuditSigningKey(seed: seed)
        try AuditKeyFile.createText(publicKeyPath, key.publicKey.fileText)
        try AuditKeyFile.create(path, bytes: seed)
        return key.publicKey
    }

    public var keyID: String { publicKey.keyID }

    func sign(_ message: [UInt8]) -> [UInt8] { keyPair.sign(message) }
}

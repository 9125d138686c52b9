internal import COpenSSL

/// An OpenSSL digest fetched once for the life of the process, so hashing and signing skip
/// OpenSSL's per-call implicit fetch. Immutable after init.
final class MessageDigest: @unchecked Sendable {
    let pointer: OpaquePointer
    /// Output length in bytes.
    let size: Int

    private init(name: String) {
        guard let pointer = EVP_MD_fetch(nil, name, nil) else {
            fatalError("OpenSSL provides no \(name) digest; the installation is broken")
        }
        self.pointer = pointer
        self.size = Int(EVP_MD_get_size(pointer))
    }

    deinit { EVP_MD_free(pointer) }

    static let sha256 = MessageDigest(name: "SHA2-256")
    static let sha384 = MessageDigest(name: "SHA2-384")
    static let sha512 = MessageDigest(name: "SHA2-512")
}

internal import CSodium
public import LessorCore

/// An Ed25519 signing key pair held by libsodium, for signatures Lessor makes itself (audit
/// checkpoints, broker tokens). The secret key is wiped when the last copy goes away.
public struct Ed25519KeyPair: Sendable {
    private let backing: Backing

    /// A fresh random key pair.
    public init() {
        Sodium.ensureInitialized()
        backing = Backing { publicKey, secretKey in crypto_sign_keypair(publicKey, secretKey) }
    }

    /// The key pair derived from a 32-byte seed.
    public init(seed: [UInt8]) throws(LessorError) {
        guard seed.count == Int(crypto_sign_SEEDBYTES) else {
            throw LessorError(.keyInvalid, "Ed25519 seed must be \(crypto_sign_SEEDBYTES) bytes, not \(seed.count)")
        }
        Sodium.ensureInitialized()
        backing = Backing { publicKey, secretKey in crypto_sign_seed_keypair(publicKey, secretKey, seed) }
    }

    /// The 32-byte public key.
    public var publicKey: [UInt8] { backing.publicKey }

    /// A 64-byte detached signature over `message`.
    public func sign(_ message: some Collection<UInt8>) -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: Int(crypto_sign_BYTES))
        let status = withContiguousBytes(message) { message in
            signature.withUnsafeMutableBufferPointer { out in
                crypto_sign_detached(
                    out.baseAddress!, nil, message.baseAddress, UInt64(message.count), backing.secretKey)
            }
        }
        precondition(status == 0, "libsodium crypto_sign_detached failed")
        return signature
    }

    private final class Backing: @unchecked Sendable {
        let publicKey: [UInt8]
        let secretKey: UnsafeMutablePointer<UInt8>
        private static let secretKeyCount = Int(crypto_sign_SECRETKEYBYTES)

        init(generate: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>) -> Int32) {
            let secretKey = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.secretKeyCount)
            secretKey.initialize(repeating: 0, count: Self.secretKeyCount)
            var publicKey = [UInt8](repeating: 0, count: Int(crypto_sign_PUBLICKEYBYTES))
            let status = publicKey.withUnsafeMutableBufferPointer { generate($0.baseAddress!, secretKey) }
            precondition(status == 0, "libsodium Ed25519 key generation failed")
            self.secretKey = secretKey
            self.publicKey = publicKey
        }

        deinit {
            sodium_memzero(secretKey, Self.secretKeyCount)
            secretKey.deallocate()
        }
    }
}

internal import CSodium
public import LessorCore

/// An Ed25519 public key checked by libsodium.
public struct Ed25519PublicKey: Sendable, Hashable {
    public let bytes: [UInt8]

    /// `bytes` must be a 32-byte encoding of a valid point of the prime-order subgroup.
    public init(bytes: [UInt8]) throws(LessorError) {
        guard bytes.count == Int(crypto_sign_PUBLICKEYBYTES) else {
            throw LessorError(.keyInvalid, "Ed25519 public key must be 32 bytes, not \(bytes.count)")
        }
        Sodium.ensureInitialized()
        guard crypto_core_ed25519_is_valid_point(bytes) == 1 else {
            throw LessorError(.keyInvalid, "Ed25519 public key is not a valid curve point")
        }
        self.bytes = bytes
    }

    public func isValidSignature(_ signature: some Collection<UInt8>, for message: some Collection<UInt8>) -> Bool {
        Sodium.ensureInitialized()
        return withContiguousBytes(signature) { signature in
            withContiguousBytes(message) { message in
                signature.count == Int(crypto_sign_BYTES)
                    && crypto_sign_verify_detached(
                        signature.baseAddress!, message.baseAddress, UInt64(message.count), bytes) == 0
            }
        }
    }
}

internal import CSodium
public import LessorCore

/// Authenticated symmetric encryption (libsodium `crypto_secretbox`, XSalsa20-Poly1305) under a
/// 32-byte key. A sealed box is a fresh random nonce followed by the ciphertext, so the same
/// plaintext never seals to the same bytes. The key is wiped when the last copy goes away.
public struct SecretBox: Sendable {
    public static let keyCount = Int(crypto_secretbox_KEYBYTES)
    private static let nonceCount = Int(crypto_secretbox_NONCEBYTES)
    private static let macCount = Int(crypto_secretbox_MACBYTES)

    private let key: Key

    public init(key: [UInt8]) throws(LessorError) {
        guard key.count == Self.keyCount else {
            throw LessorError(.keyInvalid, "a secretbox key must be \(Self.keyCount) bytes, not \(key.count)")
        }
        Sodium.ensureInitialized()
        self.key = Key(key)
    }

    /// A new random key.
    public static func generateKey() -> [UInt8] { SecureRandom.bytes(count: keyCount) }

    public func seal(_ plaintext: [UInt8]) -> [UInt8] {
        let nonce = SecureRandom.bytes(count: Self.nonceCount)
        var sealed = nonce + [UInt8](repeating: 0, count: Self.macCount + plaintext.count)
        let status = sealed.withUnsafeMutableBufferPointer { out in
            plaintext.withUnsafeBufferPointer { message in
                crypto_secretbox_easy(
                    out.baseAddress! + Self.nonceCount, message.baseAddress, UInt64(message.count), nonce,
                    key.pointer)
            }
        }
        precondition(status == 0, "libsodium crypto_secretbox_easy failed")
        return sealed
    }

    /// The plaintext, or `cryptoFailure` when the box was sealed under another key or altered.
    public func open(_ sealed: [UInt8]) throws(LessorError) -> [UInt8] {
        guard sealed.count >= Self.nonceCount + Self.macCount else {
            throw LessorError(.cryptoFailure, "sealed value is too short to be a secretbox")
        }
        var plaintext = [UInt8](repeating: 0, count: sealed.count - Self.nonceCount - Self.macCount)
        let status = plaintext.withUnsafeMutableBufferPointer { out in
            sealed.withUnsafeBufferPointer { box in
                crypto_secretbox_open_easy(
                    out.baseAddress, box.baseAddress! + Self.nonceCount, UInt64(box.count - Self.nonceCount),
                    box.baseAddress!, key.pointer)
            }
        }
        guard status == 0 else {
            throw LessorError(.cryptoFailure, "sealed value does not open under this key (wrong key or altered)")
        }
        return plaintext
    }

    private final class Key: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<UInt8>

        init(_ bytes: [UInt8]) {
            pointer = .allocate(capacity: bytes.count)
            pointer.initialize(from: bytes, count: bytes.count)
        }

        deinit {
            sodium_memzero(pointer, SecretBox.keyCount)
            pointer.deallocate()
        }
    }
}

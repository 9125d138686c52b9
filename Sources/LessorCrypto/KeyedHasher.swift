internal import CSodium
public import LessorCore

/// Keyed BLAKE2b (libsodium `crypto_generichash`) with a 32-byte output: a fast MAC and a
/// way to store lookup handles for secrets without storing the secrets.
public struct KeyedHasher: Sendable {
    public static let outputCount = 32
    private let backing: Backing

    /// `key` must be 32 to 64 bytes.
    public init(key: [UInt8]) throws(LessorError) {
        guard (32...64).contains(key.count) else {
            throw LessorError(.keyInvalid, "keyed hash key must be 32 to 64 bytes, not \(key.count)")
        }
        Sodium.ensureInitialized()
        backing = Backing(copying: key)
    }

    public func hash(_ message: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Self.outputCount)
        let status = withContiguousBytes(message) { message in
            output.withUnsafeMutableBufferPointer { out in
                crypto_generichash(
                    out.baseAddress!, out.count, message.baseAddress, UInt64(message.count), backing.key,
                    backing.keyCount)
            }
        }
        precondition(status == 0, "libsodium crypto_generichash failed")
        return output
    }

    /// `hash(message)` as lowercase hexadecimal.
    public func hexHash(_ message: some Collection<UInt8>) -> String { Hex.lowercase(hash(message)) }

    /// Holds a private copy of the key, wiped when the last hasher sharing it goes away.
    private final class Backing: @unchecked Sendable {
        let key: UnsafeMutablePointer<UInt8>
        let keyCount: Int

        init(copying bytes: [UInt8]) {
            keyCount = bytes.count
            key = .allocate(capacity: bytes.count)
            key.initialize(from: bytes, count: bytes.count)
        }

        deinit {
            sodium_memzero(key, keyCount)
            key.deallocate()
        }
    }
}

internal import CSodium
import LessorCore

/// Cryptographically secure random bytes from libsodium.
public enum SecureRandom {
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes needs a non-negative count")
        Sodium.ensureInitialized()
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress, count > 0 { randombytes_buf(base, count) }
            initialized = count
        }
    }

    /// A random, URL-safe identifier: `byteCount` random bytes in unpadded base64url.
    public static func identifier(byteCount: Int = 16) -> String {
        Base64URL.encode(bytes(count: byteCount))
    }
}

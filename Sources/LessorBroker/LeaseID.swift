import LessorCrypto

/// Lease ids: `lease_` and 24 random bytes (192 bits) in base64url, so one cannot be guessed or
/// derived from another.
enum LeaseID {
    static func make() -> String { "lease_" + SecureRandom.identifier(byteCount: 24) }
}

public import LessorCore
import LessorCrypto

extension Broker {
    /// The digest under which a lease issued with lookup key `key` is stored and found
    /// (`LeaseStore.lease(lookupDigest:)`): the SHA-256 of the key's UTF-8 bytes in lower-case hex.
    /// An endpoint that is presented the key (an AWS access key id) computes the same digest to find
    /// the lease; the key itself is never stored.
    public static func lookupDigest(_ key: String) -> String { Digest.sha256Hex(Array(key.utf8)) }
}

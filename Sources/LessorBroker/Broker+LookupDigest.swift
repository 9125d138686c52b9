public import LessorCore
import LessorCrypto

extension Broker {
    /// The digest under which a lease issued with lookup key `key` is stored and found
    /// (`LeaseStore.lease(lookupDigest:)`): the SHA-256 of the key's UTF-8 bytes in lower-case hex.
    /// An endpoint that is presented the key (an AWS access key id) computes the same digest to find
    /// the lease; the key itself is never stored.
    public static func lookupDigest(_ key: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in Digest.sha256(Array(key.utf8)) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

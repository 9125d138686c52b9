internal import COpenSSL

/// HMAC through OpenSSL's EVP_MAC interface.
public enum HMAC {
    public static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length = 0
        let result = withContiguousBytes(key) { key in
            withContiguousBytes(message) { message in
                output.withUnsafeMutableBufferPointer { out in
                    EVP_Q_mac(
                        nil, "HMAC", nil, "SHA2-256", nil, key.baseAddress, key.count, message.baseAddress,
                        message.count, out.baseAddress, out.count, &length)
                }
            }
        }
        precondition(result != nil && length == 32, "OpenSSL HMAC-SHA256 failed")
        return output
    }
}

internal import COpenSSL
internal import LessorCore

/// SHA-2 digests through OpenSSL's EVP interface.
public enum Digest {
    public static func sha256(_ data: some Collection<UInt8>) -> [UInt8] { hash(data, with: .sha256) }
    public static func sha384(_ data: some Collection<UInt8>) -> [UInt8] { hash(data, with: .sha384) }
    public static func sha512(_ data: some Collection<UInt8>) -> [UInt8] { hash(data, with: .sha512) }
    /// SHA-256 as lower-case hex.
    public static func sha256Hex(_ data: some Collection<UInt8>) -> String { Hex.lowercase(sha256(data)) }

    private static func hash(_ data: some Collection<UInt8>, with digest: MessageDigest) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: digest.size)
        let status = withContiguousBytes(data) { input in
            output.withUnsafeMutableBufferPointer { out in
                EVP_Digest(input.baseAddress, input.count, out.baseAddress, nil, digest.pointer, nil)
            }
        }
        precondition(status == 1, "OpenSSL EVP_Digest failed")
        return output
    }
}

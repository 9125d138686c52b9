internal import COpenSSL
import LessorCore

/// Verifies JWS signatures with one key. For each algorithm the key permits it prepares, once,
/// an `EVP_MD_CTX` initialised for verification; each call copies that template into a fresh
/// context, which skips OpenSSL's per-call algorithm fetches. The templates are only read after
/// init, so any number of threads may verify at once.
final class SignatureVerifier: @unchecked Sendable {
    /// Keeps the key alive for as long as the templates that reference it.
    private let key: EVPKey
    /// Indexed like `JWSAlgorithm.allCases`; nil for algorithms the key does not permit.
    private let templates: [OpaquePointer?]

    init(key: EVPKey, algorithms: [JWSAlgorithm]) throws(LessorError) {
        self.key = key
        var templates = [OpaquePointer?](repeating: nil, count: JWSAlgorithm.allCases.count)
        do {
            for algorithm in algorithms {
                templates[algorithm.index] = try Self.makeTemplate(key: key, algorithm: algorithm)
            }
        } catch {
            for template in templates { EVP_MD_CTX_free(template) }
            throw error
        }
        self.templates = templates
    }

    deinit {
        for template in templates { EVP_MD_CTX_free(template) }
    }

    private static func makeTemplate(key: EVPKey, algorithm: JWSAlgorithm) throws(LessorError) -> OpaquePointer {
        guard let context = EVP_MD_CTX_new() else { throw .openSSL("allocating a verification context") }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit(context, &keyContext, algorithm.messageDigest?.pointer, nil, key.pointer) == 1,
            key.configurePadding(keyContext, algorithm: algorithm)
        else {
            EVP_MD_CTX_free(context)
            throw .openSSL("preparing \(algorithm.rawValue) verification")
        }
        return context
    }

    func permits(_ algorithm: JWSAlgorithm) -> Bool {
        templates[algorithm.index] != nil
    }

    /// Checks a JOSE signature; false when the key does not permit `algorithm`.
    func verify(signature: UnsafeBufferPointer<UInt8>, input: UnsafeBufferPointer<UInt8>, algorithm: JWSAlgorithm)
        -> Bool
    {
        guard let template = templates[algorithm.index] else { return false }
        guard let curve = algorithm.curve else {
            return verify(der: signature, input: input, template: template)
        }
        guard signature.count == 2 * curve.coordinateSize else { return false }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ECDSASignature.maxDERCount) { buffer in
            let count = ECDSASignature.encodeDER(raw: signature, coordinateSize: curve.coordinateSize, into: buffer)
            return verify(der: UnsafeBufferPointer(rebasing: buffer[..<count]), input: input, template: template)
        }
    }

    private func verify(
        der signature: UnsafeBufferPointer<UInt8>, input: UnsafeBufferPointer<UInt8>, template: OpaquePointer
    )
        -> Bool
    {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        let verified =
            EVP_MD_CTX_copy_ex(context, template) == 1
            && EVP_DigestVerify(context, signature.baseAddress, signature.count, input.baseAddress, input.count) == 1
        if !verified { ERR_clear_error() }
        return verified
    }
}

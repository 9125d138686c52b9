internal import COpenSSL
import LessorCore

/// JWS signing on an OpenSSL key. Every call uses its own `EVP_MD_CTX`, so one key serves any
/// number of threads at once.
extension EVPKey {
    /// Produces a JOSE signature. The caller has already checked that `algorithm` fits the key.
    func sign(_ message: UnsafeBufferPointer<UInt8>, algorithm: JWSAlgorithm) throws(LessorError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .openSSL("allocating a signing context") }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestSignInit(context, &keyContext, algorithm.messageDigest?.pointer, nil, pointer) == 1,
            configurePadding(keyContext, algorithm: algorithm)
        else { throw .openSSL("starting a \(algorithm.rawValue) signature") }
        var length = Int(EVP_PKEY_get_size(pointer))
        var signature = [UInt8](repeating: 0, count: length)
        let status = signature.withUnsafeMutableBufferPointer { buffer in
            EVP_DigestSign(context, buffer.baseAddress, &length, message.baseAddress, message.count)
        }
        guard status == 1 else { throw .openSSL("producing a \(algorithm.rawValue) signature") }
        signature.removeSubrange(length...)
        guard let curve = algorithm.curve else { return signature }
        return try signature.withUnsafeBufferPointer { (der) throws(LessorError) in
            try ECDSASignature.raw(fromDER: der, coordinateSize: curve.coordinateSize)
        }
    }

    /// Selects RSASSA-PSS with a digest-length salt and MGF1 over the same hash for PS*.
    func configurePadding(_ keyContext: OpaquePointer?, algorithm: JWSAlgorithm) -> Bool {
        guard algorithm.usesPSS else { return true }
        guard let keyContext, let digest = algorithm.messageDigest else { return false }
        return copenssl_set_rsa_pss_padding(keyContext, RSA_PSS_SALTLEN_DIGEST) == 1
            && EVP_PKEY_CTX_set_rsa_mgf1_md(keyContext, digest.pointer) == 1
    }
}

internal import COpenSSL
internal import CSodium
import LessorCore

/// Building OpenSSL keys from the public members of a JWK.
extension VerificationKey {
    static let minimumRSABits = 2048
    static let maximumRSABits = 16384
    /// OpenSSL refuses longer exponents for large moduli, and a long exponent makes verifying slow.
    static let maximumRSAExponentBits = 64
    /// `EVP_PKEY_PUBLIC_KEY`, a macro Swift cannot import: the public key and all parameters.
    private static let publicKeySelection =
        OSSL_KEYMGMT_SELECT_PUBLIC_KEY | OSSL_KEYMGMT_SELECT_DOMAIN_PARAMETERS | OSSL_KEYMGMT_SELECT_OTHER_PARAMETERS

    static func importRSA(n: String?, e: String?) throws(LessorError) -> (key: EVPKey, family: KeyFamily) {
        let modulus = trimmingLeadingZeros(try decodeMember(n, name: "n", kty: "RSA"))
        let exponent = trimmingLeadingZeros(try decodeMember(e, name: "e", kty: "RSA"))
        let bits = bitCount(modulus)
        guard bits >= minimumRSABits else {
            throw .keyInvalid("RSA modulus has \(bits) bits; at least \(minimumRSABits) are required")
        }
        guard bits <= maximumRSABits else {
            throw .keyInvalid("RSA modulus has \(bits) bits; at most \(maximumRSABits) are supported")
        }
        guard let last = exponent.last, last & 1 == 1, exponent.count > 1 || last > 1 else {
            throw .keyInvalid("RSA public exponent must be odd and greater than 1")
        }
        guard bitCount(exponent) <= maximumRSAExponentBits else {
            throw .keyInvalid("RSA public exponent is longer than \(maximumRSAExponentBits) bits")
        }
        guard let n = BN_bin2bn(modulus, Int32(modulus.count), nil) else { throw .openSSL("allocating a big number") }
        defer { BN_free(n) }
        guard let e = BN_bin2bn(exponent, Int32(exponent.count), nil) else { throw .openSSL("allocating a big number") }
        defer { BN_free(e) }
        let key = try fromData(keyType: EVP_PKEY_RSA, name: "RSA") { (builder) throws(LessorError) in
            guard OSSL_PARAM_BLD_push_BN(builder, copenssl_param_rsa_n(), n) == 1,
                OSSL_PARAM_BLD_push_BN(builder, copenssl_param_rsa_e(), e) == 1
            else { throw .openSSL("building the RSA key parameters") }
        }
        guard let key else { throw .openSSL("importing the RSA key") }
        return (key, .rsa(bits: bits))
    }

    static func importEC(crv: String?, x: String?, y: String?) throws(LessorError) -> (key: EVPKey, family: KeyFamily) {
        guard let crv else { throw .keyInvalid("EC JWK has no crv") }
        guard let curve = ECCurve(rawValue: crv) else {
            throw .keyInvalid("EC curve \"\(crv)\" is not supported; use P-256 or P-384")
        }
        let xBytes = try decodeMember(x, name: "x", kty: "EC")
        let yBytes = try decodeMember(y, name: "y", kty: "EC")
        guard xBytes.count == curve.coordinateSize, yBytes.count == curve.coordinateSize else {
            throw .keyInvalid("EC \(crv) coordinates must be \(curve.coordinateSize) bytes each")
        }
        let point = [0x04] + xBytes + yBytes
        // The builder keeps pointers to the group name and the point until `fromData` returns.
        let imported: Result<EVPKey?, LessorError> = curve.groupName.withCString { group in
            point.withUnsafeBufferPointer { buffer in
                Result { () throws(LessorError) in
                    try fromData(keyType: EVP_PKEY_EC, name: "EC") { (builder) throws(LessorError) in
                        guard OSSL_PARAM_BLD_push_utf8_string(builder, copenssl_param_group_name(), group, 0) == 1,
                            OSSL_PARAM_BLD_push_octet_string(
                                builder, copenssl_param_pub_key(), buffer.baseAddress, buffer.count) == 1
                        else { throw .openSSL("building the EC key parameters") }
                    }
                }
            }
        }
        let key = try imported.get()
        guard let key, isValidPublicKey(key) else {
            ERR_clear_error()
            throw .keyInvalid("EC public key is not a point on \(crv)")
        }
        return (key, .ec(curve))
    }

    static func importOKP(crv: String?, x: String?) throws(LessorError) -> (key: EVPKey, family: KeyFamily) {
        guard let crv else { throw .keyInvalid("OKP JWK has no crv") }
        guard crv == "Ed25519" else {
            throw .keyInvalid("OKP curve \"\(crv)\" is not supported; use Ed25519")
        }
        let point = try decodeMember(x, name: "x", kty: "OKP")
        guard point.count == 32 else { throw .keyInvalid("Ed25519 x must be 32 bytes") }
        Sodium.ensureInitialized()
        guard crypto_core_ed25519_is_valid_point(point) == 1 else {
            throw .keyInvalid("Ed25519 x is not a valid public key point")
        }
        let key = point.withUnsafeBufferPointer { buffer in
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, buffer.baseAddress, buffer.count)
        }
        guard let key else { throw .openSSL("importing the Ed25519 key") }
        return (EVPKey(takingOwnershipOf: key), .ed25519)
    }

    private static func decodeMember(_ value: String?, name: String, kty: String) throws(LessorError) -> [UInt8] {
        guard let value else { throw .keyInvalid("\(kty) JWK has no \(name)") }
        guard let bytes = Base64URL.decode(value), !bytes.isEmpty else {
            throw .keyInvalid("\(kty) JWK member \(name) is not valid base64url")
        }
        return bytes
    }

    private static func trimmingLeadingZeros(_ bytes: [UInt8]) -> [UInt8] {
        guard let first = bytes.firstIndex(where: { $0 != 0 }) else { return [0] }
        return Array(bytes[first...])
    }

    private static func bitCount(_ bytes: [UInt8]) -> Int {
        guard let first = bytes.first, first != 0 else { return 0 }
        return bytes.count * 8 - first.leadingZeroBitCount
    }

    /// Runs `EVP_PKEY_fromdata` for a public key of type `keyType` (an `EVP_PKEY_*` identifier)
    /// with the parameters `push` adds.
    /// Whatever `push` points the builder at must stay alive until this returns. Returns nil
    /// when OpenSSL refuses the parameters; throws when OpenSSL itself fails.
    private static func fromData(
        keyType: Int32, name: String, push: (OpaquePointer) throws(LessorError) -> Void
    ) throws(LessorError) -> EVPKey? {
        guard let builder = OSSL_PARAM_BLD_new() else { throw .openSSL("allocating key parameters") }
        defer { OSSL_PARAM_BLD_free(builder) }
        try push(builder)
        guard let parameters = OSSL_PARAM_BLD_to_param(builder) else { throw .openSSL("building key parameters") }
        defer { OSSL_PARAM_free(parameters) }
        // By identifier rather than by name: the context keeps the key-type name pointer.
        guard let context = EVP_PKEY_CTX_new_id(keyType, nil) else {
            throw .openSSL("creating a \(name) key context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_fromdata_init(context) == 1 else { throw .openSSL("initialising \(name) import") }
        var key: OpaquePointer?
        guard EVP_PKEY_fromdata(context, &key, publicKeySelection, parameters) == 1, let key else {
            return nil
        }
        return EVPKey(takingOwnershipOf: key)
    }

    /// OpenSSL's public-key check: for EC, that the point is on the curve and in its subgroup.
    private static func isValidPublicKey(_ key: EVPKey) -> Bool {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else { return false }
        defer { EVP_PKEY_CTX_free(context) }
        return EVP_PKEY_public_check(context) == 1
    }
}

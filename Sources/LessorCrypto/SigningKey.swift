internal import COpenSSL
public import LessorCore

/// A private key that signs JWS for the test and development issuers. Copies share one OpenSSL
/// key; signing is safe from any number of threads.
public struct SigningKey: Sendable {
    public let family: KeyFamily
    /// The public key as SPKI PEM.
    public let publicKeyPEM: String
    private let publicMembers: JSONWebKey
    private let backing: EVPKey

    static let minimumRSABits = 1024

    private init(taking key: EVPKey) throws(LessorError) {
        family = try Self.family(of: key)
        publicMembers = try Self.publicMembers(of: key, family: family)
        publicKeyPEM = try PEMText.write("writing the public key PEM") { bio in
            PEM_write_bio_PUBKEY(bio, key.pointer)
        }
        backing = key
    }

    /// Generates an RSA key. 1024 bits is allowed so tests can present a key that verifiers must
    /// refuse; real issuers should use 2048 or more.
    public static func generateRSA(bits: Int) throws(LessorError) -> SigningKey {
        guard (minimumRSABits...VerificationKey.maximumRSABits).contains(bits) else {
            throw .keyInvalid(
                "RSA key size \(bits) is outside \(minimumRSABits)...\(VerificationKey.maximumRSABits) bits")
        }
        return try SigningKey(
            taking: generate(EVP_PKEY_RSA, name: "RSA") { copenssl_set_rsa_keygen_bits($0, Int32(bits)) })
    }

    public static func generateEC(_ curve: ECCurve) throws(LessorError) -> SigningKey {
        try SigningKey(taking: generate(EVP_PKEY_EC, name: "EC") { EVP_PKEY_CTX_set_group_name($0, curve.groupName) })
    }

    public static func generateEd25519() throws(LessorError) -> SigningKey {
        try SigningKey(taking: generate(EVP_PKEY_ED25519, name: "Ed25519") { _ in 1 })
    }

    /// Reads an unencrypted private key PEM (PKCS#8, or the traditional RSA and EC forms) holding
    /// an RSA key of at least 1024 bits, a P-256 or P-384 key, or an Ed25519 key.
    public init(privateKeyPEM: String) throws(LessorError) {
        let key = PEMText.read(privateKeyPEM) { bio in
            PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in 0 }, nil)
        }
        guard let key else {
            ERR_clear_error()
            throw .keyInvalid("private key PEM is malformed, encrypted, or not a private key")
        }
        try self.init(taking: EVPKey(takingOwnershipOf: key))
    }

    /// The private key as unencrypted PKCS#8 PEM. Handle it as a secret.
    public var privateKeyPEM: String {
        do {
            return try PEMText.write("writing the private key PEM") { bio in
                PEM_write_bio_PrivateKey(bio, backing.pointer, nil, nil, 0, nil, nil)
            }
        } catch {
            fatalError("OpenSSL could not encode a key it holds: \(error)")
        }
    }

    /// Signs `message` (the JWS signing input) in JOSE form: RSA PKCS#1 v1.5 or PSS, ECDSA as
    /// fixed-width `r||s`, Ed25519 as 64 raw bytes. Throws `keyInvalid` if `algorithm` does not
    /// fit the key.
    public func sign(_ message: some Collection<UInt8>, algorithm: JWSAlgorithm) throws(LessorError) -> [UInt8] {
        guard algorithm.fits(family) else {
            throw .keyInvalid("\(algorithm.rawValue) cannot be used with a \(family.displayName) key")
        }
        return try withContiguousBytes(message) { (message) throws(LessorError) in
            try backing.sign(message, algorithm: algorithm)
        }
    }

    /// The public half as a JWK with `use` "sig".
    public func publicJWK(keyID: String?, algorithm: JWSAlgorithm?) -> JSONWebKey {
        var jwk = publicMembers
        jwk.kid = keyID
        jwk.alg = algorithm?.rawValue
        jwk.use = "sig"
        return jwk
    }

    /// Generates a key of type `keyType` (an `EVP_PKEY_*` identifier: the context keeps the
    /// key-type name pointer, so a Swift string would not outlive it).
    private static func generate(_ keyType: Int32, name: String, configure: (OpaquePointer) -> Int32)
        throws(LessorError) -> EVPKey
    {
        guard let context = EVP_PKEY_CTX_new_id(keyType, nil) else {
            throw .openSSL("creating a \(name) key generator")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, configure(context) == 1,
            EVP_PKEY_generate(context, &key) == 1, let key
        else { throw .openSSL("generating a \(name) key") }
        return EVPKey(takingOwnershipOf: key)
    }

    private static func family(of key: EVPKey) throws(LessorError) -> KeyFamily {
        if EVP_PKEY_is_a(key.pointer, "RSA") == 1 {
            let bits = Int(EVP_PKEY_get_bits(key.pointer))
            guard bits >= minimumRSABits else {
                throw .keyInvalid("RSA key has \(bits) bits; at least \(minimumRSABits) are required")
            }
            return .rsa(bits: bits)
        }
        if EVP_PKEY_is_a(key.pointer, "EC") == 1 {
            let name = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> String? in
                var length = 0
                guard EVP_PKEY_get_group_name(key.pointer, buffer.baseAddress, buffer.count, &length) == 1 else {
                    return nil
                }
                return String(cString: buffer.baseAddress!)
            }
            guard let name, let curve = ECCurve(groupName: name) else {
                ERR_clear_error()
                throw .keyInvalid("EC key is not on P-256 or P-384")
            }
            return .ec(curve)
        }
        if EVP_PKEY_is_a(key.pointer, "ED25519") == 1 {
            return .ed25519
        }
        throw .keyInvalid("private key type is not supported; use RSA, EC P-256/P-384 or Ed25519")
    }

    private static func publicMembers(of key: EVPKey, family: KeyFamily) throws(LessorError) -> JSONWebKey {
        switch family {
        case .rsa:
            let n = try bigNumberParameter(OSSL_PKEY_PARAM_RSA_N, of: key, width: nil)
            let e = try bigNumberParameter(OSSL_PKEY_PARAM_RSA_E, of: key, width: nil)
            return JSONWebKey(kty: "RSA", n: Base64URL.encode(n), e: Base64URL.encode(e))
        case .ec(let curve):
            let x = try bigNumberParameter(OSSL_PKEY_PARAM_EC_PUB_X, of: key, width: curve.coordinateSize)
            let y = try bigNumberParameter(OSSL_PKEY_PARAM_EC_PUB_Y, of: key, width: curve.coordinateSize)
            return JSONWebKey(kty: "EC", crv: curve.rawValue, x: Base64URL.encode(x), y: Base64URL.encode(y))
        case .ed25519:
            var x = [UInt8](repeating: 0, count: 32)
            var length = x.count
            guard EVP_PKEY_get_raw_public_key(key.pointer, &x, &length) == 1, length == 32 else {
                throw .openSSL("reading the Ed25519 public key")
            }
            return JSONWebKey(kty: "OKP", crv: "Ed25519", x: Base64URL.encode(x))
        }
    }

    /// A key parameter as big-endian bytes, left-padded to `width` when given.
    private static func bigNumberParameter(_ name: String, of key: EVPKey, width: Int?) throws(LessorError) -> [UInt8] {
        var number: OpaquePointer?
        guard EVP_PKEY_get_bn_param(key.pointer, name, &number) == 1, let number else {
            throw .openSSL("reading key parameter \(name)")
        }
        defer { BN_free(number) }
        let count = width ?? (Int(BN_num_bits(number)) + 7) / 8
        var bytes = [UInt8](repeating: 0, count: count)
        guard BN_bn2binpad(number, &bytes, Int32(count)) == Int32(count) else {
            throw .openSSL("encoding key parameter \(name)")
        }
        return bytes
    }
}

public import LessorCore

/// A public key taken from an issuer's JWKS, validated once and then used to check JWS
/// signatures. Copies share one OpenSSL key; verifying is safe from any number of threads.
public struct VerificationKey: Sendable {
    public let keyID: String?
    public let family: KeyFamily
    /// The JWK's `alg` exactly as published, if any.
    public let declaredAlgorithm: String?
    private let verifier: SignatureVerifier

    /// Validates `jwk` and imports it. RSA keys need a modulus of at least 2048 bits and an odd
    /// public exponent above 1; EC keys a point on P-256 or P-384; OKP keys an Ed25519 point.
    /// A JWK with private members is refused.
    public init(jwk: JSONWebKey) throws(LessorError) {
        if jwk.containsPrivateMembers {
            throw .keyInvalid("JWKS must not contain private keys")
        }
        let imported: (key: EVPKey, family: KeyFamily)
        switch jwk.kty {
        case "RSA":
            imported = try Self.importRSA(n: jwk.n, e: jwk.e)
        case "EC":
            imported = try Self.importEC(crv: jwk.crv, x: jwk.x, y: jwk.y)
        case "OKP":
            imported = try Self.importOKP(crv: jwk.crv, x: jwk.x)
        default:
            throw .keyInvalid("JWK kty \"\(jwk.kty)\" is not supported; use RSA, EC or OKP")
        }
        family = imported.family
        keyID = jwk.kid
        declaredAlgorithm = jwk.alg
        let permitted = JWSAlgorithm.allCases.filter { algorithm in
            algorithm.fits(imported.family)
                && (jwk.alg == nil || jwk.alg == algorithm.rawValue)
                && (jwk.use == nil || jwk.use == "sig")
                && (jwk.keyOps == nil || jwk.keyOps?.contains("verify") == true)
        }
        verifier = try SignatureVerifier(key: imported.key, algorithms: permitted)
    }

    /// True only when the key type and curve fit `algorithm` (RS*/PS* need RSA, ES256 P-256,
    /// ES384 P-384, EdDSA Ed25519), the JWK's `alg` (if present) names it, its `use` (if
    /// present) is "sig", and its `key_ops` (if present) include "verify".
    public func permits(_ algorithm: JWSAlgorithm) -> Bool {
        verifier.permits(algorithm)
    }

    /// Checks a JWS signature over `signingInput` (the ASCII `header.payload`). False when the key
    /// does not permit `algorithm` or the signature does not verify. ECDSA signatures must be the
    /// JOSE fixed-width `r||s`; DER is refused. PSS uses a salt as long as the digest and MGF1
    /// with the same hash.
    public func verify(
        signature: some Collection<UInt8>, signingInput: some Collection<UInt8>, algorithm: JWSAlgorithm
    ) -> Bool {
        guard verifier.permits(algorithm) else { return false }
        return withContiguousBytes(signature) { signature in
            withContiguousBytes(signingInput) { input in
                verifier.verify(signature: signature, input: input, algorithm: algorithm)
            }
        }
    }
}

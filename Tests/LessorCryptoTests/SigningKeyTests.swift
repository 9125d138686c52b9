import LessorCore
import LessorCrypto
import Testing

@Suite("Signing keys")
struct SigningKeyTests {
    static let cases: [(String, JWSAlgorithm)] = [
        ("RSA", .ps384), ("P-256", .es256), ("P-384", .es384), ("Ed25519", .edDSA),
    ]

    private func key(named name: String) -> SigningKey {
        switch name {
        case "RSA": TestKeys.rsa
        case "P-256": TestKeys.p256
        case "P-384": TestKeys.p384
        default: TestKeys.ed25519
        }
    }

    @Test("a private key PEM read back signs verifiably", arguments: cases)
    func pemRoundTrip(name: String, algorithm: JWSAlgorithm) throws {
        let original = key(named: name)
        let pem = original.privateKeyPEM
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let restored = try SigningKey(privateKeyPEM: pem)
        #expect(restored.family == original.family)
        #expect(restored.publicKeyPEM == original.publicKeyPEM)
        #expect(
            restored.publicJWK(keyID: "k", algorithm: algorithm) == original.publicJWK(keyID: "k", algorithm: algorithm)
        )
        let message = Array("header.payload".utf8)
        let signature = try restored.sign(message, algorithm: algorithm)
        let verifier = try TestKeys.verificationKey(for: original, algorithm: algorithm)
        #expect(verifier.verify(signature: signature, signingInput: message, algorithm: algorithm))
    }

    @Test("the public key PEM is SPKI")
    func publicPEM() {
        #expect(TestKeys.p256.publicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(!TestKeys.p256.publicKeyPEM.contains("PRIVATE"))
    }

    @Test("public JWKs carry kty, crv, use sig, kid and alg")
    func publicJWK() throws {
        let rsa = TestKeys.rsa.publicJWK(keyID: "r1", algorithm: .rs256)
        #expect(rsa.kty == "RSA" && rsa.e == "AQAB" && rsa.use == "sig" && rsa.kid == "r1" && rsa.alg == "RS256")
        #expect(Base64URL.decode(rsa.n!)?.count == 256)
        let ec = TestKeys.p384.publicJWK(keyID: nil, algorithm: nil)
        #expect(ec.kty == "EC" && ec.crv == "P-384" && ec.alg == nil && ec.kid == nil)
        #expect(Base64URL.decode(ec.x!)?.count == 48 && Base64URL.decode(ec.y!)?.count == 48)
        let okp = TestKeys.ed25519.publicJWK(keyID: nil, algorithm: .edDSA)
        #expect(okp.kty == "OKP" && okp.crv == "Ed25519" && Base64URL.decode(okp.x!)?.count == 32)
        #expect(TestKeys.rsa.family == .rsa(bits: 2048))
    }

    @Test("signing with an algorithm that does not fit the key is refused")
    func misfitAlgorithm() {
        let message = Array("m".utf8)
        for (key, algorithm) in [
            (TestKeys.rsa, JWSAlgorithm.es256), (TestKeys.p256, .es384), (TestKeys.p384, .rs256),
            (TestKeys.ed25519, .es256),
        ] {
            let error = #expect(throws: LessorError.self) { try key.sign(message, algorithm: algorithm) }
            #expect(error?.code == .keyInvalid)
        }
    }

    @Test("RSA key sizes below 1024 bits are refused")
    func rsaSizeLimits() {
        let error = #expect(throws: LessorError.self) { try SigningKey.generateRSA(bits: 512) }
        #expect(error?.code == .keyInvalid)
    }

    @Test("malformed and public-only PEM is refused as keyInvalid")
    func badPEM() {
        for text in ["", "not a pem", TestKeys.p256.publicKeyPEM] {
            let error = #expect(throws: LessorError.self) { try SigningKey(privateKeyPEM: text) }
            #expect(error?.code == .keyInvalid)
        }
    }

    @Test("a traditional EC private key PEM from the openssl tool is read (test-only key)")
    func traditionalECPEM() throws {
        let pem = """
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIKB8TPYS96OiaI/DGo1oI7YtXj7vrgRHXBfAuLaS3yXvoAoGCCqGSM49
            AwEHoUQDQgAEa9KkgFENG3RBmkgb1n1hI42BaEhjY9OPK8JX3uc9DHK0Tw25Ab5x
            FRgQL+4Vk2FvFRaFE3z/J72NmW2pVHJoKQ==
            -----END EC PRIVATE KEY-----
            """
        let key = try SigningKey(privateKeyPEM: pem)
        #expect(key.family == .ec(.p256))
    }
}

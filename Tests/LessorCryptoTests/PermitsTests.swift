import LessorCore
import LessorCrypto
import Testing

@Suite("Which algorithms a verification key permits")
struct PermitsTests {
    @Test("an RSA key permits RS* and PS* but refuses ES256 and EdDSA")
    func rsaKey() throws {
        let key = try TestKeys.verificationKey(for: TestKeys.rsa)
        for algorithm in [JWSAlgorithm.rs256, .rs384, .rs512, .ps256, .ps384, .ps512] {
            #expect(key.permits(algorithm), "\(algorithm)")
        }
        #expect(!key.permits(.es256))
        #expect(!key.permits(.es384))
        #expect(!key.permits(.edDSA))
    }

    @Test("a P-256 key permits ES256 and refuses ES384")
    func p256Key() throws {
        let key = try TestKeys.verificationKey(for: TestKeys.p256)
        #expect(key.permits(.es256))
        #expect(!key.permits(.es384))
        #expect(!key.permits(.rs256))
    }

    @Test("a P-384 key permits ES384 and refuses ES256")
    func p384Key() throws {
        let key = try TestKeys.verificationKey(for: TestKeys.p384)
        #expect(key.permits(.es384))
        #expect(!key.permits(.es256))
    }

    @Test("an Ed25519 key permits only EdDSA")
    func ed25519Key() throws {
        let key = try TestKeys.verificationKey(for: TestKeys.ed25519)
        #expect(JWSAlgorithm.allCases.filter { key.permits($0) } == [.edDSA])
    }

    @Test("a JWK declaring alg RS256 refuses PS256, and verify refuses with it")
    func declaredAlgorithmPins() throws {
        let key = try TestKeys.verificationKey(for: TestKeys.rsa, algorithm: .rs256)
        #expect(key.declaredAlgorithm == "RS256")
        #expect(key.permits(.rs256))
        #expect(!key.permits(.ps256))
        let message = Array("header.payload".utf8)
        let signature = try TestKeys.rsa.sign(message, algorithm: .ps256)
        #expect(!key.verify(signature: signature, signingInput: message, algorithm: .ps256))
    }

    @Test("a JWK declaring an unknown alg permits nothing")
    func unknownDeclaredAlgorithm() throws {
        var jwk = TestKeys.rsa.publicJWK(keyID: nil, algorithm: nil)
        jwk.alg = "RSA-OAEP"
        let key = try VerificationKey(jwk: jwk)
        #expect(JWSAlgorithm.allCases.allSatisfy { !key.permits($0) })
    }

    @Test("use \"enc\" refuses everything; use \"sig\" is fine")
    func useMember() throws {
        var jwk = TestKeys.rsa.publicJWK(keyID: nil, algorithm: nil)
        jwk.use = "enc"
        let encryption = try VerificationKey(jwk: jwk)
        #expect(JWSAlgorithm.allCases.allSatisfy { !encryption.permits($0) })
        jwk.use = "sig"
        #expect(try VerificationKey(jwk: jwk).permits(.rs256))
    }

    @Test("key_ops without \"verify\" refuses everything")
    func keyOpsMember() throws {
        var jwk = TestKeys.p256.publicJWK(keyID: nil, algorithm: .es256)
        jwk.keyOps = ["sign", "encrypt"]
        #expect(!(try VerificationKey(jwk: jwk).permits(.es256)))
        jwk.keyOps = ["verify"]
        #expect(try VerificationKey(jwk: jwk).permits(.es256))
    }

    @Test("keyID and family come from the JWK")
    func metadata() throws {
        let key = try VerificationKey(jwk: TestKeys.p384.publicJWK(keyID: "k-384", algorithm: nil))
        #expect(key.keyID == "k-384")
        #expect(key.family == .ec(.p384))
        #expect(key.declaredAlgorithm == nil)
    }
}

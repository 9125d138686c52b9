import LessorCore
import LessorCrypto
import Testing

@Suite("JWS sign and verify round trips")
struct JWSRoundTripTests {
    let message = Array("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvYXBwIn0".utf8)

    @Test("a signature made by the key verifies", arguments: JWSAlgorithm.allCases)
    func signatureVerifies(algorithm: JWSAlgorithm) throws {
        let (key, _) = TestKeys.pair(for: algorithm)
        let verifier = try TestKeys.verificationKey(for: key, algorithm: algorithm)
        let signature = try key.sign(message, algorithm: algorithm)
        #expect(verifier.verify(signature: signature, signingInput: message, algorithm: algorithm))
    }

    @Test("an altered message fails", arguments: JWSAlgorithm.allCases)
    func alteredMessageFails(algorithm: JWSAlgorithm) throws {
        let (key, _) = TestKeys.pair(for: algorithm)
        let verifier = try TestKeys.verificationKey(for: key)
        let signature = try key.sign(message, algorithm: algorithm)
        var altered = message
        altered[altered.count - 1] ^= 0x01
        #expect(verifier.verify(signature: signature, signingInput: message, algorithm: algorithm))
        #expect(!verifier.verify(signature: signature, signingInput: altered, algorithm: algorithm))
    }

    @Test("an altered signature fails", arguments: JWSAlgorithm.allCases)
    func alteredSignatureFails(algorithm: JWSAlgorithm) throws {
        let (key, _) = TestKeys.pair(for: algorithm)
        let verifier = try TestKeys.verificationKey(for: key)
        var signature = try key.sign(message, algorithm: algorithm)
        signature[signature.count / 2] ^= 0x40
        #expect(!verifier.verify(signature: signature, signingInput: message, algorithm: algorithm))
    }

    @Test("a signature by another key fails", arguments: JWSAlgorithm.allCases)
    func otherKeyFails(algorithm: JWSAlgorithm) throws {
        let (key, other) = TestKeys.pair(for: algorithm)
        let verifier = try TestKeys.verificationKey(for: key)
        let signature = try other.sign(message, algorithm: algorithm)
        #expect(!verifier.verify(signature: signature, signingInput: message, algorithm: algorithm))
    }

    @Test("PKCS#1 v1.5 and PSS signatures are not interchangeable")
    func paddingModesAreDistinct() throws {
        let verifier = try TestKeys.verificationKey(for: TestKeys.rsa)
        let pkcs1 = try TestKeys.rsa.sign(message, algorithm: .rs256)
        let pss = try TestKeys.rsa.sign(message, algorithm: .ps256)
        #expect(verifier.verify(signature: pkcs1, signingInput: message, algorithm: .rs256))
        #expect(!verifier.verify(signature: pkcs1, signingInput: message, algorithm: .ps256))
        #expect(!verifier.verify(signature: pss, signingInput: message, algorithm: .rs256))
        #expect(!verifier.verify(signature: pkcs1, signingInput: message, algorithm: .rs384))
    }

    @Test("verify takes a slice of the token bytes")
    func verifiesArraySliceInput() throws {
        let token = String(decoding: message, as: UTF8.self) + ".trailing"
        let n = message.count
        let sigBytes = try TestKeys.rsa.sign(message, algorithm: .rs256)
        let key = try TestKeys.verificationKey(for: TestKeys.rsa)
        #expect(key.verify(signature: sigBytes, signingInput: Array(token.utf8)[0..<n], algorithm: .rs256))
        #expect(!key.verify(signature: sigBytes, signingInput: Array(token.utf8)[1...n], algorithm: .rs256))
    }

    @Test("a non-contiguous collection verifies like an array")
    func verifiesNonContiguousInput() throws {
        let signature = try TestKeys.p256.sign(message, algorithm: .es256)
        let key = try TestKeys.verificationKey(for: TestKeys.p256)
        #expect(key.verify(signature: signature, signingInput: message.lazy.map { $0 }, algorithm: .es256))
    }

    @Test("concurrent verifications with one key all succeed")
    func concurrentVerification() async throws {
        let key = try TestKeys.verificationKey(for: TestKeys.rsa)
        let message = self.message
        let signature = try TestKeys.rsa.sign(message, algorithm: .ps256)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<64 {
                group.addTask { key.verify(signature: signature, signingInput: message, algorithm: .ps256) }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64 && results.allSatisfy { $0 })
    }

    @Test("JWSAlgorithm refuses none and HMAC names")
    func algorithmNames() {
        #expect(JWSAlgorithm(rawValue: "none") == nil)
        #expect(JWSAlgorithm(rawValue: "HS256") == nil)
        #expect(JWSAlgorithm(rawValue: "EdDSA") == .edDSA)
        #expect(JWSAlgorithm(rawValue: "RS256") == .rs256)
    }
}

import LessorCore
import LessorCrypto
import Testing

@Suite("libsodium primitives")
struct SodiumTests {
    @Test("constant-time equality compares contents and lengths")
    func constantTimeEqual() {
        let a: [UInt8] = [1, 2, 3, 4]
        #expect(ConstantTime.equal(a, [1, 2, 3, 4]))
        #expect(ConstantTime.equal(a, a[...]))
        #expect(!ConstantTime.equal(a, [1, 2, 3, 5]))
        #expect(!ConstantTime.equal(a, [1, 2, 3]))
        #expect(!ConstantTime.equal(a, [1, 2, 3, 4, 0]))
        #expect(ConstantTime.equal([UInt8](), [UInt8]()))
        #expect(ConstantTime.equal(Array("secret".utf8), "secret".utf8))
    }

    @Test("keyed hash matches BLAKE2b-256 with the key")
    func keyedHashKnownAnswer() throws {
        let hasher = try KeyedHasher(key: Array(0..<32))
        #expect(
            hasher.hexHash(Array("lease-123".utf8))
                == "fe1a16af46c30e3cf687bef889ee3cb743cad1a359d98923c142ecc72ce79548")
    }

    @Test("keyed hash is stable for one key and differs between keys")
    func keyedHashDependsOnKey() throws {
        let message = Array("lease-123".utf8)
        let first = try KeyedHasher(key: SecureRandom.bytes(count: 32))
        let second = try KeyedHasher(key: SecureRandom.bytes(count: 64))
        #expect(first.hash(message) == first.hash(message))
        #expect(first.hash(message).count == 32)
        #expect(first.hash(message) != second.hash(message))
        #expect(first.hash(message) != first.hash(Array("lease-124".utf8)))
        #expect(first.hexHash(message) == hexString(first.hash(message)))
    }

    @Test("keyed hash keys must be 32 to 64 bytes")
    func keyedHashKeyLength() {
        #expect(throws: LessorError.self) { try KeyedHasher(key: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: LessorError.self) { try KeyedHasher(key: [UInt8](repeating: 1, count: 65)) }
    }

    @Test("Ed25519 signatures verify, and a corrupted signature or message fails")
    func ed25519() throws {
        let pair = Ed25519KeyPair()
        let message = Array("checkpoint 42".utf8)
        var signature = pair.sign(message)
        let publicKey = try Ed25519PublicKey(bytes: pair.publicKey)
        #expect(signature.count == 64)
        #expect(publicKey.isValidSignature(signature, for: message))
        #expect(!publicKey.isValidSignature(signature, for: Array("checkpoint 43".utf8)))
        #expect(!publicKey.isValidSignature(signature.dropLast(), for: message))
        signature[10] ^= 0x01
        #expect(!publicKey.isValidSignature(signature, for: message))
    }

    @Test("Ed25519 signatures from another key pair fail")
    func ed25519OtherKey() throws {
        let message = Array("checkpoint".utf8)
        let publicKey = try Ed25519PublicKey(bytes: Ed25519KeyPair().publicKey)
        #expect(!publicKey.isValidSignature(Ed25519KeyPair().sign(message), for: message))
    }

    @Test("libsodium Ed25519 signatures verify as JWS EdDSA")
    func ed25519Interop() throws {
        let pair = try Ed25519KeyPair(seed: [UInt8](repeating: 9, count: 32))
        let key = try VerificationKey(jwk: JSONWebKey(kty: "OKP", crv: "Ed25519", x: Base64URL.encode(pair.publicKey)))
        let input = Array("eyJhbGciOiJFZERTQSJ9.e30".utf8)
        #expect(key.verify(signature: pair.sign(input), signingInput: input, algorithm: .edDSA))
    }

    @Test("Ed25519 seeds and public keys must have the right length")
    func ed25519Lengths() {
        #expect(throws: LessorError.self) { try Ed25519KeyPair(seed: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: LessorError.self) { try Ed25519PublicKey(bytes: [UInt8](repeating: 1, count: 33)) }
    }

    @Test("secure random values are distinct and sized as asked")
    func secureRandom() {
        let first = SecureRandom.bytes(count: 32)
        let second = SecureRandom.bytes(count: 32)
        #expect(first.count == 32)
        #expect(first != second)
        #expect(SecureRandom.bytes(count: 0).isEmpty)
        let identifiers = Set((0..<100).map { _ in SecureRandom.identifier() })
        #expect(identifiers.count == 100)
        #expect(SecureRandom.identifier().count == 22)
        #expect(Base64URL.decode(SecureRandom.identifier(byteCount: 24))?.count == 24)
    }
}

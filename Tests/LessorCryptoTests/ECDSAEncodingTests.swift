import LessorCore
import LessorCrypto
import Testing

@Suite("ECDSA signature encoding")
struct ECDSAEncodingTests {
    let message = Array("eyJhbGciOiJFUzI1NiJ9.e30".utf8)

    @Test("ES256 signatures are 64 raw bytes and ES384 signatures 96")
    func rawWidths() throws {
        #expect(try TestKeys.p256.sign(message, algorithm: .es256).count == 64)
        #expect(try TestKeys.p384.sign(message, algorithm: .es384).count == 96)
    }

    @Test("a DER-encoded ES256 signature is rejected")
    func derRejected() throws {
        let key = try TestKeys.verificationKey(for: TestKeys.p256)
        let raw = try TestKeys.p256.sign(message, algorithm: .es256)
        let der = derEncodedECDSA(raw)
        #expect(der.first == 0x30 && der.count >= 8 && der.count != 64)
        #expect(key.verify(signature: raw, signingInput: message, algorithm: .es256))
        #expect(!key.verify(signature: der, signingInput: message, algorithm: .es256))
    }

    @Test("a 63-byte or 65-byte ES256 signature is rejected")
    func wrongLengthRejected() throws {
        let key = try TestKeys.verificationKey(for: TestKeys.p256)
        let raw = try TestKeys.p256.sign(message, algorithm: .es256)
        #expect(!key.verify(signature: raw.dropLast(), signingInput: message, algorithm: .es256))
        #expect(!key.verify(signature: raw + [0], signingInput: message, algorithm: .es256))
        #expect(!key.verify(signature: [UInt8](), signingInput: message, algorithm: .es256))
    }

    @Test("r||s halves with leading zeros and high bits verify across many signatures")
    func manySignaturesVerify() throws {
        let key = try TestKeys.verificationKey(for: TestKeys.p384)
        for index in 0..<64 {
            let input = Array("message-\(index)".utf8)
            let signature = try TestKeys.p384.sign(input, algorithm: .es384)
            #expect(key.verify(signature: signature, signingInput: input, algorithm: .es384))
        }
    }

    @Test("an all-zero ES256 signature is rejected")
    func zeroSignature() throws {
        let key = try TestKeys.verificationKey(for: TestKeys.p256)
        #expect(!key.verify(signature: [UInt8](repeating: 0, count: 64), signingInput: message, algorithm: .es256))
    }
}

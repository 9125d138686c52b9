import LessorCore
import LessorCrypto

/// Keys shared by the suites; RSA generation is slow, so each is made once.
enum TestKeys {
    static let rsa = try! SigningKey.generateRSA(bits: 2048)
    static let otherRSA = try! SigningKey.generateRSA(bits: 2048)
    static let p256 = try! SigningKey.generateEC(.p256)
    static let otherP256 = try! SigningKey.generateEC(.p256)
    static let p384 = try! SigningKey.generateEC(.p384)
    static let otherP384 = try! SigningKey.generateEC(.p384)
    static let ed25519 = try! SigningKey.generateEd25519()
    static let otherEd25519 = try! SigningKey.generateEd25519()

    /// A signing key that fits `algorithm`, and a different one of the same kind.
    static func pair(for algorithm: JWSAlgorithm) -> (key: SigningKey, other: SigningKey) {
        switch algorithm {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: (rsa, otherRSA)
        case .es256: (p256, otherP256)
        case .es384: (p384, otherP384)
        case .edDSA: (ed25519, otherEd25519)
        }
    }

    static func verificationKey(for key: SigningKey, algorithm: JWSAlgorithm? = nil) throws -> VerificationKey {
        try VerificationKey(jwk: key.publicJWK(keyID: "test", algorithm: algorithm))
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

/// The ASN.1 DER form of a JOSE `r||s` ECDSA signature, written independently of the library.
func derEncodedECDSA(_ raw: [UInt8]) -> [UInt8] {
    func integer(_ half: ArraySlice<UInt8>) -> [UInt8] {
        var value = Array(half.drop { $0 == 0 })
        if value.isEmpty { value = [0] }
        if value[0] >= 0x80 { value.insert(0, at: 0) }
        return [0x02, UInt8(value.count)] + value
    }
    let middle = raw.count / 2
    let body = integer(raw[..<middle]) + integer(raw[middle...])
    return [0x30, UInt8(body.count)] + body
}

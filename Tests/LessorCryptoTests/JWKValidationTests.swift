import Foundation
import LessorCore
import LessorCrypto
import Testing

@Suite("JWK validation when importing verification keys")
struct JWKValidationTests {
    private func importError(_ jwk: JSONWebKey) -> LessorError? {
        #expect(throws: LessorError.self) { try VerificationKey(jwk: jwk) }
    }

    private func decode(_ json: String) throws -> JSONWebKey {
        try JSONDecoder().decode(JSONWebKey.self, from: Data(json.utf8))
    }

    @Test("a 1024-bit RSA key is refused as keyInvalid")
    func weakRSA() throws {
        let weak = try SigningKey.generateRSA(bits: 1024)
        let error = importError(weak.publicJWK(keyID: nil, algorithm: .rs256))
        #expect(error?.code == .keyInvalid)
        #expect(error?.message.contains("1024") == true)
    }

    @Test("an even or unit RSA exponent is refused")
    func badExponent() throws {
        var jwk = TestKeys.rsa.publicJWK(keyID: nil, algorithm: nil)
        jwk.e = Base64URL.encode([0x01, 0x00, 0x00])
        #expect(importError(jwk)?.code == .keyInvalid)
        jwk.e = Base64URL.encode([0x01])
        #expect(importError(jwk)?.code == .keyInvalid)
    }

    @Test("an RSA modulus with a leading zero byte is accepted")
    func leadingZeroModulus() throws {
        var jwk = TestKeys.rsa.publicJWK(keyID: nil, algorithm: nil)
        jwk.n = Base64URL.encode([0] + Base64URL.decode(jwk.n!)!)
        let key = try VerificationKey(jwk: jwk)
        #expect(key.family == .rsa(bits: 2048))
    }

    @Test("an EC point that is not on the curve is refused")
    func pointNotOnCurve() throws {
        var jwk = TestKeys.p256.publicJWK(keyID: nil, algorithm: .es256)
        var y = try #require(Base64URL.decode(jwk.y!))
        y[31] ^= 0x01
        jwk.y = Base64URL.encode(y)
        let error = importError(jwk)
        #expect(error?.code == .keyInvalid)
        #expect(error?.message.contains("not a point") == true)
    }

    @Test("an EC coordinate of the wrong length is refused")
    func wrongLengthCoordinate() throws {
        var jwk = TestKeys.p256.publicJWK(keyID: nil, algorithm: .es256)
        jwk.x = Base64URL.encode(Base64URL.decode(jwk.x!)!.dropFirst())
        #expect(importError(jwk)?.code == .keyInvalid)
    }

    @Test("an EC key on an unsupported curve is refused")
    func unsupportedCurve() throws {
        var jwk = TestKeys.p256.publicJWK(keyID: nil, algorithm: nil)
        jwk.crv = "P-521"
        #expect(importError(jwk)?.code == .keyInvalid)
    }

    @Test("an Ed25519 x of the wrong length, or an invalid point, is refused")
    func badEd25519() throws {
        #expect(
            importError(JSONWebKey(kty: "OKP", crv: "Ed25519", x: Base64URL.encode([UInt8](repeating: 7, count: 31))))?
                .code == .keyInvalid)
        #expect(
            importError(
                JSONWebKey(kty: "OKP", crv: "Ed25519", x: Base64URL.encode([1] + [UInt8](repeating: 0, count: 31))))?
                .code == .keyInvalid)
        #expect(importError(JSONWebKey(kty: "OKP", crv: "X25519", x: KnownAnswerTests.rfc8037X))?.code == .keyInvalid)
    }

    @Test("a JWK with private member d is refused")
    func privateMember() throws {
        let jwk = try decode(
            #"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#
        )
        #expect(jwk.containsPrivateMembers)
        let error = importError(jwk)
        #expect(error?.code == .keyInvalid)
        #expect(error?.message == "JWKS must not contain private keys")
    }

    @Test("the unknown kty \"oct\" is refused")
    func symmetricKey() throws {
        #expect(importError(JSONWebKey(kty: "oct"))?.code == .keyInvalid)
    }

    @Test("a member that is not canonical base64url is refused")
    func badBase64URL() throws {
        var jwk = TestKeys.rsa.publicJWK(keyID: nil, algorithm: nil)
        jwk.e = "AQAB="
        #expect(importError(jwk)?.code == .keyInvalid)
        jwk.e = "AQAB"
        jwk.n = jwk.n!.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "+"
        #expect(importError(jwk)?.code == .keyInvalid)
    }

    @Test("a missing member is refused")
    func missingMember() throws {
        var jwk = TestKeys.rsa.publicJWK(keyID: nil, algorithm: nil)
        jwk.e = nil
        #expect(importError(jwk)?.code == .keyInvalid)
    }

    @Test("decoding reads key_ops, ignores unknown members and flags private ones")
    func decoding() throws {
        let jwk = try decode(
            #"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","key_ops":["verify"],"x5c":["MIIB"],"ext":true}"#
        )
        #expect(jwk.keyOps == ["verify"])
        #expect(!jwk.containsPrivateMembers)
        #expect(try VerificationKey(jwk: jwk).permits(.es256))
        let set = try JSONDecoder().decode(
            JSONWebKeySet.self, from: Data(#"{"keys":[{"kty":"oct","k":"AAAA"}]}"#.utf8))
        #expect(set.keys.first?.containsPrivateMembers == true)
    }

    @Test("encoding writes key_ops and omits absent members")
    func encoding() throws {
        let jwk = JSONWebKey(kty: "OKP", kid: "a", keyOps: ["verify"], crv: "Ed25519", x: "AAAA")
        let json = String(decoding: try JSONEncoder().encode(JSONWebKeySet(keys: [jwk])), as: UTF8.self)
        #expect(json.contains(#""key_ops":["verify"]"#))
        #expect(!json.contains("containsPrivateMembers"))
        #expect(!json.contains(#""n""#))
        let back = try JSONDecoder().decode(JSONWebKeySet.self, from: Data(json.utf8))
        #expect(back.keys == [jwk])
    }
}

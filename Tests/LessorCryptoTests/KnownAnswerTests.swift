import LessorCore
import LessorCrypto
import Testing

/// Published vectors, so the library agrees with other JOSE implementations.
@Suite("Known-answer vectors")
struct KnownAnswerTests {
    /// RFC 7515 Appendix A.1 to A.3 payload, base64url-encoded.
    static let rfc7515Payload =
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

    @Test("RFC 7515 A.2 RS256 signature verifies with the published key")
    func rfc7515RS256() throws {
        let jwk = JSONWebKey(
            kty: "RSA",
            n:
                "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
            e: "AQAB")
        let signature = try #require(
            Base64URL.decode(
                "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
            ))
        let input = Array(("eyJhbGciOiJSUzI1NiJ9." + Self.rfc7515Payload).utf8)
        let key = try VerificationKey(jwk: jwk)
        #expect(key.family == .rsa(bits: 2048))
        #expect(key.verify(signature: signature, signingInput: input, algorithm: .rs256))
        #expect(!key.verify(signature: signature, signingInput: input, algorithm: .rs512))
    }

    @Test("RFC 7515 A.3 ES256 signature verifies with the published key")
    func rfc7515ES256() throws {
        let jwk = JSONWebKey(
            kty: "EC", crv: "P-256", x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0")
        let signature = try #require(
            Base64URL.decode("DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"))
        let input = Array(("eyJhbGciOiJFUzI1NiJ9." + Self.rfc7515Payload).utf8)
        let key = try VerificationKey(jwk: jwk)
        #expect(key.family == .ec(.p256))
        #expect(key.verify(signature: signature, signingInput: input, algorithm: .es256))
        #expect(!key.verify(signature: signature, signingInput: Array(input.dropLast()), algorithm: .es256))
    }

    static let rfc8037X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    static let rfc8037Input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    static let rfc8037Signature =
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"

    @Test("RFC 8037 A.4 Ed25519 signature verifies with the published key")
    func rfc8037EdDSA() throws {
        let key = try VerificationKey(jwk: JSONWebKey(kty: "OKP", crv: "Ed25519", x: Self.rfc8037X))
        let signature = try #require(Base64URL.decode(Self.rfc8037Signature))
        #expect(key.family == .ed25519)
        #expect(key.verify(signature: signature, signingInput: Array(Self.rfc8037Input.utf8), algorithm: .edDSA))
        #expect(!key.verify(signature: signature, signingInput: Array("x".utf8), algorithm: .edDSA))
    }

    @Test("libsodium reproduces the RFC 8037 A.4 key and signature from its seed")
    func rfc8037WithSodium() throws {
        let seed = try #require(Base64URL.decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"))
        let pair = try Ed25519KeyPair(seed: seed)
        #expect(Base64URL.encode(pair.publicKey) == Self.rfc8037X)
        #expect(Base64URL.encode(pair.sign(Array(Self.rfc8037Input.utf8))) == Self.rfc8037Signature)
        let publicKey = try Ed25519PublicKey(bytes: pair.publicKey)
        let signature = try #require(Base64URL.decode(Self.rfc8037Signature))
        #expect(publicKey.isValidSignature(signature, for: Array(Self.rfc8037Input.utf8)))
    }

    @Test("SHA-256 of \"abc\"")
    func sha256() {
        #expect(
            hexString(Digest.sha256(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("SHA-384 and SHA-512 of \"abc\"")
    func sha384And512() {
        #expect(
            hexString(Digest.sha384(Array("abc".utf8)))
                == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(
            hexString(Digest.sha512(Array("abc".utf8)))
                == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        )
    }

    @Test("SHA-256 of nothing")
    func sha256Empty() {
        #expect(
            hexString(Digest.sha256([UInt8]()))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("HMAC-SHA256, RFC 4231 test case 2")
    func hmacRFC4231Case2() {
        let mac = HMAC.sha256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(hexString(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("HMAC-SHA256 with an empty key and message")
    func hmacEmpty() {
        #expect(
            hexString(HMAC.sha256(key: [UInt8](), message: [UInt8]()))
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}

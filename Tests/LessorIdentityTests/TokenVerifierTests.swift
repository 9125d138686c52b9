import Foundation
import LessorCore
import LessorCrypto
import LessorIdentity
import LessorTestSupport
import Testing

@Suite("Token verification against a loopback OIDC issuer")
struct TokenVerifierTests {
    let clock = TestClock()

    @Test("A Kubernetes projected token verifies for each key type", arguments: [JWSAlgorithm.rs256, .es256, .edDSA])
    func acceptsGenuineToken(algorithm: JWSAlgorithm) async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock)
            let key = issuer.key(algorithm)
            let identity = try await verifier.verify(try issuer.mint(key: key))
            #expect(identity.issuer == issuer.url)
            #expect(identity.subject == "system:serviceaccount:tenant-acme:app")
            #expect(identity.audiences == ["lessor"])
            #expect(identity.keyID == key.id)
            #expect(identity.algorithm == algorithm.rawValue)
            #expect(identity.kubernetes?.namespace == "tenant-acme")
            #expect(identity.kubernetes?.serviceAccount.name == "app")
            #expect(identity.kubernetes?.pod?.name == "app-0")
            #expect(identity.expiresAt == clock.now.addingTimeInterval(3600))
        }
    }

    @Test(
        "Every RSA-PSS and wider algorithm verifies when allowed",
        arguments: [JWSAlgorithm.rs384, .rs512, .ps256, .ps384, .ps512, .es384])
    func acceptsOtherAlgorithms(algorithm: JWSAlgorithm) async throws {
        try await TestIssuer.with(algorithms: [algorithm], clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock)
            let identity = try await verifier.verify(try issuer.mint(key: issuer.key(algorithm)))
            #expect(identity.algorithm == algorithm.rawValue)
        }
    }

    @Test("An audience array intersecting the configured audiences is accepted")
    func audienceArray() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock)
            let token = try issuer.mint(["aud": .array([.string("sts.amazonaws.com"), .string("lessor")])])
            #expect(try await verifier.verify(token).audiences == ["sts.amazonaws.com", "lessor"])
            let single = try issuer.mint(["aud": .string("lessor")])
            #expect(try await verifier.verify(single).audiences == ["lessor"])
        }
    }

    @Test("Tokens within the clock leeway are accepted")
    func leeway() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock)
            let now = clock.now.timeIntervalSince1970
            let token = try issuer.mint([
                "exp": .number(now - 20), "iat": .number(now - 600), "nbf": .number(now - 600),
            ])
            _ = try await verifier.verify(token)
            let early = try issuer.mint(["nbf": .number(now + 20), "iat": .number(now + 20)])
            _ = try await verifier.verify(early)
        }
    }
}

@Suite("Tokens that must be refused, each with its error code")
struct TokenRejectionTests {
    let clock = TestClock()

    private func refusal(
        configure: (inout IssuerConfiguration) -> Void = { _ in },
        makeToken: (TestIssuer) throws -> String
    ) async throws -> LessorError.Code? {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock, configure: configure)
            let token = try makeToken(issuer)
            return await failureCode { _ = try await verifier.verify(token) }
        }
    }

    private static func encode(_ value: JSONValue) throws -> String {
        Base64URL.encode(try JSONEncoder().encode(value))
    }

    @Test func unsecuredAlgNone() async throws {
        let code = try await refusal { issuer in
            let header = try Self.encode(.object(["alg": .string("none")]))
            return "\(header).\(try Self.encode(.object(issuer.claims())))."
        }
        #expect(code == .tokenMalformed)
        let signed = try await refusal { issuer in
            let header = try Self.encode(.object(["alg": .string("none"), "kid": .string(issuer.key(.rs256).id)]))
            return "\(header).\(try Self.encode(.object(issuer.claims()))).AAAA"
        }
        #expect(signed == .algorithmNotAllowed)
    }

    @Test("HS256 signed with the RSA public key as the HMAC secret (algorithm confusion)")
    func algorithmConfusion() async throws {
        let code = try await refusal { issuer in
            let key = issuer.key(.rs256)
            let header = try Self.encode(.object(["alg": .string("HS256"), "kid": .string(key.id)]))
            let input = "\(header).\(try Self.encode(.object(issuer.claims())))"
            let mac = HMAC.sha256(key: Array(key.signingKey.publicKeyPEM.utf8), message: Array(input.utf8))
            return "\(input).\(Base64URL.encode(mac))"
        }
        #expect(code == .algorithmNotAllowed)
    }

    @Test func unknownKeyID() async throws {
        let code = try await refusal { issuer in try issuer.mint(header: ["kid": .string("not-published")]) }
        #expect(code == .keyUnknown)
    }

    @Test("A token signed by an unpublished key under a published kid")
    func signatureByAnotherKey() async throws {
        let code = try await refusal { issuer in
            let published = issuer.key(.rs256)
            let intruder = try issuer.addKey(.rs256, publish: false)
            return try TestIssuer.sign(
                header: ["alg": .string("RS256"), "kid": .string(published.id)], claims: issuer.claims(),
                with: intruder.signingKey, algorithm: .rs256)
        }
        #expect(code == .signatureInvalid)
    }

    @Test("A payload altered after signing", arguments: [JWSAlgorithm.rs256, .es256, .edDSA])
    func alteredPayload(algorithm: JWSAlgorithm) async throws {
        let code = try await refusal { issuer in
            let parts = try issuer.mint(key: issuer.key(algorithm)).split(separator: ".")
            var claims = issuer.claims()
            claims["sub"] = .string("system:serviceaccount:tenant-acme:admin")
            claims["kubernetes.io"] = nil
            return "\(parts[0]).\(try Self.encode(.object(claims))).\(parts[2])"
        }
        #expect(code == .signatureInvalid)
    }

    @Test func expired() async throws {
        let code = try await refusal { issuer in
            let now = clock.now.timeIntervalSince1970
            return try issuer.mint(["exp": .number(now - 120), "iat": .number(now - 3720), "nbf": .number(now - 3720)])
        }
        #expect(code == .tokenExpired)
    }

    @Test func notYetValid() async throws {
        let code = try await refusal { issuer in
            try issuer.mint(["nbf": .number(clock.now.timeIntervalSince1970 + 600)])
        }
        #expect(code == .tokenNotYetValid)
    }

    @Test func issuedInTheFuture() async throws {
        let code = try await refusal { issuer in
            try issuer.mint(["iat": .number(clock.now.timeIntervalSince1970 + 600)])
        }
        #expect(code == .tokenNotYetValid)
    }

    @Test func wrongIssuer() async throws {
        let code = try await refusal { issuer in try issuer.mint(["iss": .string("https://evil.example")]) }
        #expect(code == .issuerUnknown)
        let prefix = try await refusal { issuer in try issuer.mint(["iss": .string(issuer.url + "/")]) }
        #expect(prefix == .issuerUnknown)
    }

    @Test func audienceNotOurs() async throws {
        let code = try await refusal { issuer in try issuer.mint(["aud": .array([.string("sts.amazonaws.com")])]) }
        #expect(code == .audienceMismatch)
        let missing = try await refusal { issuer in try issuer.mint(["aud": .null]) }
        #expect(missing == .audienceMismatch)
    }

    @Test func overTheSizeLimit() async throws {
        let code = try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock, maxTokenBytes: 4096)
            let token = try issuer.mint(["padding": .string(String(repeating: "x", count: 5000))])
            return await failureCode { _ = try await verifier.verify(token) }
        }
        #expect(code == .tokenTooLarge)
    }

    @Test("A five-part JWE is refused as such")
    func encryptedToken() async throws {
        let code = try await refusal { _ in
            let header = try Self.encode(.object(["alg": .string("RSA-OAEP"), "enc": .string("A256GCM")]))
            return "\(header).AAAA.AAAA.AAAA.AAAA"
        }
        #expect(code == .tokenMalformed)
    }

    @Test("Invalid base64url in any part", arguments: [0, 1, 2])
    func invalidBase64URL(part: Int) async throws {
        let code = try await refusal { issuer in
            var parts = try issuer.mint().split(separator: ".").map(String.init)
            parts[part] = parts[part].dropLast(2) + "+/"
            return parts.joined(separator: ".")
        }
        #expect(code == .tokenMalformed)
    }

    @Test("ES256 with a DER-encoded signature instead of JOSE r||s")
    func derEncodedECDSA() async throws {
        let code = try await refusal { issuer in
            let parts = try issuer.mint(key: issuer.key(.es256)).split(separator: ".")
            let raw = Base64URL.decode(parts[2])!
            return "\(parts[0]).\(parts[1]).\(Base64URL.encode(DER.ecdsaSignature(raw)))"
        }
        #expect(code == .signatureInvalid)
    }

    @Test("A 1024-bit RSA key in the JWKS is never used")
    func weakRSAKey() async throws {
        let code = try await refusal { issuer in
            let weak = try issuer.addKey(.rs256, rsaBits: 1024)
            return try issuer.mint(key: weak)
        }
        #expect(code == .keyUnknown)
    }

    @Test("A JWK whose alg disagrees with the token header")
    func jwkAlgorithmDisagrees() async throws {
        let code = try await refusal { issuer in
            let key = issuer.key(.rs256)
            issuer.overrideJWK(id: key.id, with: key.signingKey.publicJWK(keyID: key.id, algorithm: .ps256))
            return try issuer.mint(key: key)
        }
        #expect(code == .algorithmNotAllowed)
    }

    @Test("An EC key used with an RSA algorithm header")
    func keyTypeMismatch() async throws {
        let code = try await refusal { issuer in
            let ec = issuer.key(.es256)
            let rsa = issuer.key(.rs256)
            return try TestIssuer.sign(
                header: ["alg": .string("RS256"), "kid": .string(ec.id)], claims: issuer.claims(), with: rsa.signingKey,
                algorithm: .rs256)
        }
        #expect(code == .algorithmNotAllowed)
    }

    @Test("An algorithm the issuer does not allow")
    func algorithmNotConfigured() async throws {
        let code = try await refusal(
            configure: { $0.allowedAlgorithms = [.rs256] },
            makeToken: { issuer in try issuer.mint(key: issuer.key(.edDSA)) })
        #expect(code == .algorithmNotAllowed)
    }

    @Test func criticalHeader() async throws {
        let code = try await refusal { issuer in try issuer.mint(header: ["crit": .array([.string("exp")])]) }
        #expect(code == .unsupportedHeader)
    }

    @Test("A token with a claim given twice")
    func duplicateClaim() async throws {
        let code = try await refusal { issuer in
            let key = issuer.key(.rs256)
            let header = try Self.encode(.object(["alg": .string("RS256"), "kid": .string(key.id)]))
            let claims = try JSONEncoder().encode(JSONValue.object(issuer.claims()))
            var text = String(decoding: claims, as: UTF8.self)
            text.removeLast()
            text += ",\"sub\":\"system:serviceaccount:tenant-other:app\"}"
            let input = "\(header).\(Base64URL.encode(Array(text.utf8)))"
            let signature = try key.signingKey.sign(Array(input.utf8), algorithm: .rs256)
            return "\(input).\(Base64URL.encode(signature))"
        }
        #expect(code == .tokenMalformed)
    }

    @Test func missingExpiry() async throws {
        let code = try await refusal { issuer in try issuer.mint(["exp": .null]) }
        #expect(code == .claimMissing)
    }

    @Test func missingSubject() async throws {
        let code = try await refusal { issuer in try issuer.mint(["sub": .null, "kubernetes.io": .null]) }
        #expect(code == .claimMissing)
    }

    @Test("A token living longer than the maximum token age")
    func tooLongLived() async throws {
        let code = try await refusal(
            configure: { $0.maxTokenAge = .seconds(3600) },
            makeToken: { issuer in try issuer.mint(["exp": .number(clock.now.timeIntervalSince1970 + 7200)]) })
        #expect(code == .tokenTooOld)
    }

    @Test("A kubernetes.io claim that disagrees with sub")
    func kubernetesClaimMismatch() async throws {
        let code = try await refusal { issuer in
            try issuer.mint(["sub": .string("system:serviceaccount:tenant-other:app")])
        }
        #expect(code == .tokenMalformed)
    }

    @Test("Two or four parts, and an empty signature", arguments: ["a.b", "a.b.c.d", "eyJhbGciOiJSUzI1NiJ9.e30."])
    func wrongShape(token: String) async throws {
        let code = try await refusal { _ in token }
        #expect(code == .tokenMalformed)
    }

    @Test("A header that is not JSON")
    func headerNotJSON() async throws {
        let code = try await refusal { issuer in
            let parts = try issuer.mint().split(separator: ".")
            return "\(Base64URL.encode(Array("RS256".utf8))).\(parts[1]).\(parts[2])"
        }
        #expect(code == .tokenMalformed)
    }
}

/// Minimal DER for the one shape the tests need.
enum DER {
    static func ecdsaSignature(_ raw: [UInt8]) -> [UInt8] {
        let half = raw.count / 2
        let r = integer(Array(raw[..<half]))
        let s = integer(Array(raw[half...]))
        return [0x30, UInt8(r.count + s.count)] + r + s
    }

    private static func integer(_ bytes: [UInt8]) -> [UInt8] {
        var value = Array(bytes.drop { $0 == 0 })
        if value.isEmpty { value = [0] }
        if value[0] & 0x80 != 0 { value.insert(0, at: 0) }
        return [0x02, UInt8(value.count)] + value
    }
}

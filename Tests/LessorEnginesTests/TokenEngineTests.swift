import Foundation
import LessorCore
import LessorCrypto
import LessorEngines
import LessorIdentity
import LessorTestSupport
import Logging
import Testing

@Suite("Token engine")
struct TokenEngineTests {
    @Test func issuedTokenCarriesExactlyTheSpecifiedClaims() async throws {
        let fixture = try TokenFixture()
        let lease = TokenFixture.lease()
        let credential = try await fixture.engine.issue(
            CredentialRequest(lease: lease, enginePath: ["audiences", "billing"], identity: TokenFixture.identity()))
        #expect(credential.revocationHandle == nil)
        #expect(credential.data["token_type"] == .string("Bearer"))
        #expect(credential.data["audience"] == .string("billing"))
        let token = try #require(credential.data["token"]?.stringValue)

        let (header, claims) = try TokenFixture.decode(token)
        #expect(
            header == [
                "alg": .string("EdDSA"), "typ": .string("JWT"), "kid": .string(fixture.keyring.currentKey.keyID),
            ])
        let issuedAt = JSONValue.number(lease.issuedAt.timeIntervalSince1970)
        #expect(
            claims == [
                "iss": .string(TokenFixture.issuer), "sub": .string("system:serviceaccount:acme-prod:deployer"),
                "aud": .string("billing"), "tenant": .string("acme"), "jti": .string(lease.id), "iat": issuedAt,
                "nbf": issuedAt, "exp": .number(lease.expiresAt.timeIntervalSince1970),
                "lessor": .object(["namespace": .string("acme-prod"), "service_account": .string("deployer")]),
            ])
    }

    @Test func identitiesOutsideKubernetesGetNoLessorClaim() async throws {
        let fixture = try TokenFixture()
        let token = try await fixture.issue(
            TokenFixture.lease(subject: "repo:acme/app:ref:refs/heads/main"),
            identity: TokenFixture.identity(subject: "repo:acme/app:ref:refs/heads/main", kubernetes: false))
        let claims = try TokenFixture.decode(token).claims
        #expect(claims["lessor"] == nil)
        #expect(claims["sub"] == .string("repo:acme/app:ref:refs/heads/main"))
    }

    @Test func issuedTokenVerifiesWithTheEngine() async throws {
        let fixture = try TokenFixture()
        let lease = TokenFixture.lease()
        let token = try await fixture.issue(lease)
        let claims = try fixture.engine.verify(token, now: TokenFixture.start.addingTimeInterval(10))
        #expect(
            claims
                == BrokerTokenClaims(
                    jti: lease.id, tenant: "acme", subject: lease.subject, audience: "billing",
                    issuer: TokenFixture.issuer, issuedAt: lease.issuedAt, expiresAt: lease.expiresAt,
                    keyID: fixture.keyring.currentKey.keyID))
    }

    @Test func issuedTokenVerifiesWithTheProjectsOIDCVerifier() async throws {
        let fixture = try TokenFixture()
        let lease = TokenFixture.lease()
        let token = try await fixture.issue(lease)
        let jwksPath = fixture.directory + "/jwks.json"
        try Data(AuditCanonicalJSON.encode(fixture.engine.jwks())).write(to: URL(fileURLWithPath: jwksPath))
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        fixture.clock.advance(by: .seconds(10))
        let verifier = try TokenVerifier(
            configurations: [
                IssuerConfiguration(
                    issuer: TokenFixture.issuer, keySource: .staticFile(jwksPath), audiences: ["billing"],
                    allowedAlgorithms: [.edDSA])
            ], clock: fixture.clock.wallClock, logger: logger)

        let identity = try await verifier.verify(token)
        #expect(identity.issuer == TokenFixture.issuer)
        #expect(identity.subject == lease.subject)
        #expect(identity.audiences == ["billing"])
        #expect(identity.tokenID == lease.id)
        #expect(identity.expiresAt == lease.expiresAt)
        #expect(identity.issuedAt == lease.issuedAt)
        #expect(identity.keyID == fixture.keyring.currentKey.keyID)
        #expect(identity.algorithm == "EdDSA")
        #expect(identity.claims["tenant"] == .string("acme"))
    }

    /// OpenSSL's own Ed25519 verifier, run as a separate program, accepts the signature over the
    /// token's signing input with the key JWKS publishes, and refuses an altered input.
    @Test func issuedTokenVerifiesWithTheOpenSSLCommand() async throws {
        let fixture = try TokenFixture()
        let token = try await fixture.issue(TokenFixture.lease())
        let parts = token.split(separator: ".").map(String.init)
        let keys = try #require(fixture.engine.jwks()["keys"])
        guard case .array(let list) = keys, let x = list.first?["x"]?.stringValue else {
            Issue.record("JWKS has no key")
            return
        }
        let rawKey = try #require(Base64URL.decode(x))
        let spki: [UInt8] = [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00] + rawKey
        let pem = "-----BEGIN PUBLIC KEY-----\n\(Data(spki).base64EncodedString())\n-----END PUBLIC KEY-----\n"
        let keyPath = fixture.directory + "/public.pem"
        let messagePath = fixture.directory + "/message"
        let alteredPath = fixture.directory + "/altered"
        let signaturePath = fixture.directory + "/signature"
        try Data(pem.utf8).write(to: URL(fileURLWithPath: keyPath))
        try Data((parts[0] + "." + parts[1]).utf8).write(to: URL(fileURLWithPath: messagePath))
        try Data((parts[0] + "." + parts[1] + "x").utf8).write(to: URL(fileURLWithPath: alteredPath))
        try Data(try #require(Base64URL.decode(parts[2]))).write(to: URL(fileURLWithPath: signaturePath))

        #expect(try await openSSLVerify(key: keyPath, message: messagePath, signature: signaturePath) == 0)
        #expect(try await openSSLVerify(key: keyPath, message: alteredPath, signature: signaturePath) != 0)
    }

    @Test(arguments: [
        [], ["audiences"], ["audiences", ""], ["audiences", "billing", "extra"], ["roles", "billing"],
        ["audience", "billing"],
    ])
    func pathsOtherThanAudiencesAreRefused(enginePath: [String]) async throws {
        let fixture = try TokenFixture()
        let code = await failureCode {
            _ = try await fixture.issue(TokenFixture.lease(), enginePath: enginePath)
        }
        #expect(code == .requestInvalid)
    }

    @Test func renewalResignsWithTheSameJTIAndTheNewExpiry() async throws {
        let fixture = try TokenFixture()
        var lease = TokenFixture.lease()
        let first = try await fixture.issue(lease)
        fixture.clock.advance(by: .seconds(600))
        lease.state = .active
        lease.expiresAt = lease.expiresAt.addingTimeInterval(600)
        let data = try #require(try await fixture.engine.renew(lease, revocationHandle: nil))
        let renewed = try #require(data["token"]?.stringValue)
        #expect(renewed != first)
        #expect(data["token_type"] == .string("Bearer"))

        let claims = try fixture.engine.verify(renewed, now: fixture.clock.now)
        #expect(claims.jti == lease.id)
        #expect(claims.expiresAt == lease.expiresAt)
        #expect(claims.issuedAt == lease.issuedAt)
        let original = try TokenFixture.decode(first).claims
        let decoded = try TokenFixture.decode(renewed).claims
        #expect(decoded.filter { $0.key != "exp" } == original.filter { $0.key != "exp" })
    }

    @Test func revokingSucceedsAndIsIdempotent() async throws {
        let fixture = try TokenFixture()
        let lease = TokenFixture.lease()
        try await fixture.engine.revoke(lease, revocationHandle: nil)
        try await fixture.engine.revoke(lease, revocationHandle: nil)
    }

    @Test func aLeaseLongerThanTheMaximumTokenLifetimeIsRefused() async throws {
        let fixture = try TokenFixture(maxTokenLifetime: .seconds(600))
        let code = await failureCode { _ = try await fixture.issue(TokenFixture.lease(ttl: 900)) }
        #expect(code == .engineFailure)
    }

    @Test func forgedAlteredExpiredAndForeignTokensGetTheirCodes() async throws {
        let fixture = try TokenFixture()
        let lease = TokenFixture.lease()
        let token = try await fixture.issue(lease)
        let (header, claims) = try TokenFixture.decode(token)
        let now = TokenFixture.start.addingTimeInterval(10)
        let stranger = Ed25519KeyPair()
        let parts = token.split(separator: ".").map(String.init)

        func code(_ candidate: String, at time: Date = now) -> LessorError.Code? {
            do {
                _ = try fixture.engine.verify(candidate, now: time)
                return nil
            } catch {
                return error.code
            }
        }

        let forged = TokenFixture.forge(header: header, claims: claims) { stranger.sign($0) }
        #expect(code(forged) == .signatureInvalid)

        var unknownKey = header
        unknownKey["kid"] = .string("not-a-broker-key")
        #expect(code(TokenFixture.forge(header: unknownKey, claims: claims) { stranger.sign($0) }) == .keyUnknown)

        var otherTenant = claims
        otherTenant["tenant"] = .string("globex")
        let altered =
            parts[0] + "." + Base64URL.encode(AuditCanonicalJSON.encode(.object(otherTenant))) + "." + parts[2]
        #expect(code(altered) == .signatureInvalid)

        #expect(code(token, at: lease.expiresAt.addingTimeInterval(60)) == .tokenExpired)

        var foreign = claims
        foreign["iss"] = .string("https://other.test")
        #expect(code(TokenFixture.forge(header: header, claims: foreign) { stranger.sign($0) }) == .issuerUnknown)

        var hmac = header
        hmac["alg"] = .string("HS256")
        #expect(code(TokenFixture.forge(header: hmac, claims: claims) { stranger.sign($0) }) == .algorithmNotAllowed)

        #expect(code("not.a-token") == .tokenMalformed)
        #expect(code(parts[0] + "." + parts[1]) == .tokenMalformed)
    }

    @Test func discoveryDocumentsNameTheIssuerAndPublishEveryKey() throws {
        let fixture = try TokenFixture()
        #expect(
            TokenEngine.openIDConfiguration(issuer: "https://lessor.test")
                == .object([
                    "issuer": .string("https://lessor.test"),
                    "jwks_uri": .string("https://lessor.test/.well-known/jwks.json"),
                    "id_token_signing_alg_values_supported": .array([.string("EdDSA")]),
                    "introspection_endpoint": .string("https://lessor.test/v1/introspect"),
                    "response_types_supported": .array([.string("id_token")]),
                    "subject_types_supported": .array([.string("public")]),
                ]))
        let key = fixture.keyring.currentKey
        #expect(
            fixture.engine.jwks()
                == .object([
                    "keys": .array([
                        .object([
                            "kty": .string("OKP"), "crv": .string("Ed25519"),
                            "x": .string(Base64URL.encode(key.publicKey.bytes)), "kid": .string(key.keyID),
                            "alg": .string("EdDSA"), "use": .string("sig"),
                        ])
                    ])
                ]))
    }

    @Test(arguments: ["http://lessor.example", "https://lessor.test/", "lessor.test", "https://lessor.test?x=1"])
    func unusableIssuersAreRefused(issuer: String) throws {
        let fixture = try TokenFixture()
        #expect(throws: LessorError(.configInvalid, "")) {
            try TokenEngine(issuer: issuer, keyring: fixture.keyring, maxTokenLifetime: .seconds(60))
        }
    }

    private func openSSLVerify(key: String, message: String, signature: String) async throws -> Int32 {
        try await ChildProcess.run(
            "/usr/bin/openssl",
            ["pkeyutl", "-verify", "-pubin", "-inkey", key, "-rawin", "-in", message, "-sigfile", signature]
        ).status
    }
}

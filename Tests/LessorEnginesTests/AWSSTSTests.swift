import Foundation
import LessorCore
import LessorCrypto
import LessorEngines
import Testing

/// What the STS adapter needs from the `aws` engine: role ARNs resolved for one tenant only, a
/// caller's scope-down that can only narrow, and `GetCallerIdentity` answered only for a request
/// signed with the very credentials a lease holds.
@Suite("AWS engine behind the STS protocol")
struct AWSSTSTests {
    @Test func aRoleARNResolvesOnlyForItsOwnTenant() throws {
        let engine = try AWSEngineTests.offlineEngine()
        #expect(
            engine.enginePath(forUpstreamName: "arn:aws:iam::123456789012:role/acme-deployer", tenant: "acme")
                == ["roles", "deployer"])
        #expect(
            engine.enginePath(forUpstreamName: "arn:aws:iam::123456789012:role/acme-deployer", tenant: "globex") == nil)
        #expect(engine.enginePath(forUpstreamName: "arn:aws:iam::123456789012:role/acme-admin", tenant: "acme") == nil)
        #expect(
            engine.enginePath(forUpstreamName: "arn:aws:iam::999999999999:role/acme-deployer", tenant: "acme") == nil)
    }

    @Test func aScopeDownMayOnlyAddDenyStatementsToTheTenantsPolicy() throws {
        let engine = try AWSEngineTests.offlineEngine()
        var request = AWSEngineTests.request(tenant: "acme")
        request.scopeDown =
            #"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"dynamodb:DeleteTable","Resource":"*"}}"#
        let policy = try #require(try engine.assumeRoleRequest(for: request).policy)
        #expect(
            policy
                == #"{"Statement":[{"Action":["dynamodb:*"],"Effect":"Allow","Resource":["arn:aws:dynamodb:*:*:table/acme-*"]},{"Action":"dynamodb:DeleteTable","Effect":"Deny","Resource":"*"}],"Version":"2012-10-17"}"#
        )

        request.scopeDown = #"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
        #expect(throws: LessorError(.policyDocumentInvalid, "")) { try engine.assumeRoleRequest(for: request) }
    }

    @Test func withoutATemplateTheScopeDownIsTheSessionPolicy() throws {
        let engine = try AWSEngineTests.offlineEngine(roles: [
            .init(name: "reader", roleARNTemplate: "arn:aws:iam::123456789012:role/{{tenant}}-reader")
        ])
        var request = AWSEngineTests.request(tenant: "acme", path: ["roles", "reader"])
        #expect(try engine.assumeRoleRequest(for: request).policy == nil)
        request.scopeDown = #"{"Statement":[{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}]}"#
        #expect(
            try engine.assumeRoleRequest(for: request).policy
                == #"{"Statement":[{"Action":"dynamodb:GetItem","Effect":"Allow","Resource":"*"}]}"#)
    }

    @Test(arguments: [
        "not json", "[]", #"{"Statement":[]}"#,
        #"{"Version":"2099-01-01","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
        #"{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#,
        #"{"Statement":[{"Effect":"Deny","Resource":"*"}]}"#,
        #"{"Statement":[{"Effect":"Deny","Action":"*","NotAction":"s3:*","Resource":"*"}]}"#,
        #"{"Statement":[{"Effect":"Deny","Action":"*","Resource":""# + String(repeating: "x", count: 2100) + #""}]}"#,
    ])
    func malformedScopeDownsAreRefused(document: String) throws {
        let engine = try AWSEngineTests.offlineEngine()
        var request = AWSEngineTests.request(tenant: "acme")
        request.scopeDown = document
        #expect(throws: LessorError(.policyDocumentInvalid, "")) { try engine.assumeRoleRequest(for: request) }
    }

    // MARK: - GetCallerIdentity

    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let handle = AWSRevocationHandle(
        roleARN: "arn:aws:iam::123456789012:role/acme-deployer", accessKeyID: "ASIAISSUEDBYLESSOR01",
        secretAccessKey: "issued/secret+key0123456789abcdefABCDEF", expiration: now.addingTimeInterval(3600),
        assumedRoleARN: "arn:aws:sts::123456789012:assumed-role/acme-deployer/acme@acme-prod.deployer",
        assumedRoleID: "AROAEXAMPLE:acme@acme-prod.deployer",
        sessionTokenSHA256: Digest.sha256Hex(Array("token-1".utf8)))

    static func signedCall(
        accessKey: String = handle.accessKeyID, secret: String = handle.secretAccessKey, token: String? = "token-1",
        at time: Date = now
    ) -> SigV4Request {
        let request = SigV4Request(
            method: "POST", path: "/sts/",
            headers: [
                ("Host", "127.0.0.1:8443"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ], body: Array("Action=GetCallerIdentity&Version=2011-06-15".utf8))
        return SigV4Signer(region: "us-east-1", service: "sts").sign(
            request, with: SigV4Credentials(accessKeyID: accessKey, secretAccessKey: secret, sessionToken: token),
            at: time)
    }

    @Test func theIssuedCredentialsProveTheAssumedRole() throws {
        let identity = try AWSEngine.callerIdentity(
            of: Self.signedCall(), revocationHandle: Self.handle.encoded, now: Self.now)
        #expect(identity.account == "123456789012")
        #expect(identity.arn == Self.handle.assumedRoleARN)
        #expect(identity.userID == Self.handle.assumedRoleID)
    }

    @Test func anythingElseIsRefusedWithoutQuotingTheSecret() throws {
        let cases: [(SigV4Request, Date, LessorError.Code)] = [
            (Self.signedCall(secret: "another-secret"), Self.now, .signatureInvalid),
            (Self.signedCall(accessKey: "ASIAANOTHERKEY000001"), Self.now, .signatureInvalid),
            (Self.signedCall(token: "token-2"), Self.now, .signatureInvalid),
            (Self.signedCall(token: nil), Self.now, .signatureInvalid),
            (Self.signedCall(at: Self.now.addingTimeInterval(3600)), Self.now.addingTimeInterval(3600), .tokenExpired),
            (Self.signedCall(at: Self.now.addingTimeInterval(-3600)), Self.now, .signatureInvalid),
        ]
        for (request, time, code) in cases {
            let error = #expect(throws: LessorError.self) {
                try AWSEngine.callerIdentity(of: request, revocationHandle: Self.handle.encoded, now: time)
            }
            #expect(error?.code == code, "\(error?.message ?? "")")
            #expect(error?.message.contains(Self.handle.secretAccessKey) == false)
        }
    }

    @Test func theHandleKeepsTheAssumedRoleAndTokenDigest() throws {
        #expect(try AWSRevocationHandle(decoding: Self.handle.encoded) == Self.handle)
        #expect(!String(decoding: Self.handle.encoded, as: UTF8.self).contains("token-1"))
    }
}

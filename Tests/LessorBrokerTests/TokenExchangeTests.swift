import Foundation
import LessorBroker
import LessorConfig
import LessorCore
import LessorCrypto
import LessorEngines
import LessorSQLite
import LessorTestSupport
import Testing

/// RFC 8693 token exchange as a use case: a tenant user's token (from the tenant's own identity
/// provider) exchanged by a pooled workload acting for it, and the refusals around delegation.
@Suite("Token exchange: delegation, act claim, refusals")
struct TokenExchangeTests {
    static let pool = "https://issuer.test"
    static let acmeIdP = "https://idp.acme.test"
    static let globexIdP = "https://idp.globex.test"
    static let initechIdP = "https://idp.initech.test"

    /// Added beside the fixture's bundle: two delegation-only bindings (acme's and globex's tenant
    /// identity providers, each admitting the pool's runners) and initech's identity provider
    /// bound without delegation.
    static let delegationBundle = """
        bindings:
          - name: acme-users
            issuer: \(acmeIdP)
            bound_claims:
              sub: "user-*"
            tenant: acme
            policies: [acme-delegated]
            delegation:
              actors:
                issuer: \(pool)
                bound_claims:
                  sub: "system:serviceaccount:pool:runner-*"
          - name: globex-users
            issuer: \(globexIdP)
            bound_claims:
              sub: "user-*"
            tenant: globex
            policies: [globex-delegated]
            delegation:
              actors:
                issuer: \(pool)
                bound_claims:
                  sub: "system:serviceaccount:pool:runner-*"
          - name: initech-users
            issuer: \(initechIdP)
            bound_claims:
              sub: "user-*"
            tenant: initech
            policies: [initech-direct]
        policies:
          - name: acme-delegated
            rules:
              - path: token/audiences/reports
                capabilities: [read]
          - name: globex-delegated
            rules:
              - path: token/audiences/globex-api
                capabilities: [read]
          - name: initech-direct
            rules:
              - path: token/audiences/reports
                capabilities: [read]

        """

    /// A broker fixture whose bundle also holds `delegationBundle`.
    static func fixture() throws -> BrokerFixture {
        let fixture = try BrokerFixture()
        try delegationBundle.write(
            toFile: "\(fixture.directory)/policies/delegation.yaml", atomically: true, encoding: .utf8)
        fixture.policies.install(try PolicyBundleLoader.load(directory: "\(fixture.directory)/policies"))
        return fixture
    }

    static func identity(issuer: String, subject: String, fixture: BrokerFixture) -> VerifiedIdentity {
        VerifiedIdentity(
            issuer: issuer, subject: subject, audiences: ["lessor"],
            expiresAt: fixture.clock.now.addingTimeInterval(3600), issuedAt: fixture.clock.now, notBefore: nil,
            tokenID: "jti-\(UUID().uuidString)", keyID: "k1", algorithm: "RS256", kubernetes: nil,
            claims: ["iss": .string(issuer), "sub": .string(subject), "aud": .string("lessor")])
    }

    static func user(_ subject: String, of issuer: String, fixture: BrokerFixture) -> Caller {
        Caller(
            identity: identity(issuer: issuer, subject: subject, fixture: fixture),
            requestID: "req-\(UUID().uuidString.prefix(8))")
    }

    static func runner(_ name: String = "runner-1", fixture: BrokerFixture) -> VerifiedIdentity {
        identity(issuer: pool, subject: "system:serviceaccount:pool:\(name)", fixture: fixture)
    }

    static func claims(of result: ExchangeResult) throws -> JSONValue {
        let token = try #require(result.data["token"]?.stringValue)
        let parts = token.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        return try JSONParser.parse(try #require(Base64URL.decode(parts[1])))
    }

    @Test("a pool runner acting for an acme user gets acme's token with act naming the runner")
    func delegatedGrant() async throws {
        let fixture = try Self.fixture()
        let subject = Self.user("user-alice", of: Self.acmeIdP, fixture: fixture)
        let actor = Self.runner(fixture: fixture)
        let result = try await fixture.broker.exchangeToken(subject: subject, actor: actor, audience: "reports")
        #expect(result.lease.tenantID == "acme")
        #expect(result.lease.subject == "user-alice")
        #expect(result.lease.binding == "acme-users")
        #expect(!result.lease.renewable, "a delegated lease is not renewable: the lease does not keep the actor")
        let claims = try Self.claims(of: result)
        #expect(claims["tenant"]?.stringValue == "acme")
        #expect(claims["sub"]?.stringValue == "user-alice")
        #expect(claims["aud"]?.stringValue == "reports")
        #expect(
            claims["act"]
                == .object([
                    "sub": .string("system:serviceaccount:pool:runner-1"), "iss": .string(Self.pool),
                ]))
        let verified = try fixture.tokenEngine.verify(
            try #require(result.data["token"]?.stringValue), now: fixture.clock.now)
        #expect(verified.jti == result.lease.id)

        let grant = try #require(
            try await fixture.auditRecords().first {
                $0["event"]?.stringValue == "grant" && $0["request_id"]?.stringValue == subject.requestID
            })
        #expect(grant["tenant_id"]?.stringValue == "acme")
        #expect(grant["details"]?["actor"]?.stringValue == "\(Self.pool) system:serviceaccount:pool:runner-1")
        #expect(grant["subject"]?["sub"]?.stringValue == "user-alice")
        #expect(grant["subject"]?["iss"]?.stringValue == Self.acmeIdP)
        await fixture.cleanUp()
    }

    @Test("without an actor the issued token carries no act claim, and the native API is unchanged")
    func directGrant() async throws {
        let fixture = try Self.fixture()
        let direct = try await fixture.broker.exchangeToken(
            subject: Self.user("user-bob", of: Self.initechIdP, fixture: fixture), actor: nil, audience: "reports")
        #expect(direct.lease.tenantID == "initech")
        #expect(try Self.claims(of: direct)["act"] == nil)

        let workload = try await fixture.broker.exchangeToken(
            subject: fixture.workload("acme"), actor: nil, audience: "billing")
        #expect(workload.lease.tenantID == "acme")
        #expect(workload.lease.renewable, "an undelegated lease renews as before")
        #expect(try Self.claims(of: workload)["act"] == nil)
        let native = try await fixture.broker.exchange(
            fixture.workload("acme"), path: "token/audiences/billing", requestedTTL: nil)
        #expect(native.lease.renewable)
        #expect(try Self.claims(of: native)["act"] == nil)
        let grants = try await fixture.auditRecords().filter { $0["event"]?.stringValue == "grant" }
        #expect(grants.count == 3)
        #expect(grants.allSatisfy { $0["details"]?["actor"] == nil })
        await fixture.cleanUp()
    }

    /// Each refusal: who asks, for which audience, and the stage and code expected.
    static func refusalCases(_ fixture: BrokerFixture) -> [(
        label: String, subject: Caller, actor: VerifiedIdentity?, audience: String,
        stage: TokenExchangeRefusal.Stage, code: LessorError.Code
    )] {
        let alice = { Self.user("user-alice", of: Self.acmeIdP, fixture: fixture) }
        return [
            (
                "actor token to a binding without delegation", fixture.workload("acme"),
                Self.runner(fixture: fixture), "billing", .parties, .permissionDenied
            ),
            (
                "actor token to initech's non-delegating IdP binding",
                Self.user("user-bob", of: Self.initechIdP, fixture: fixture), Self.runner(fixture: fixture),
                "reports", .parties, .permissionDenied
            ),
            (
                "actor outside the binding's selector", alice(),
                Self.identity(issuer: Self.pool, subject: "system:serviceaccount:pool:web-1", fixture: fixture),
                "reports", .parties, .permissionDenied
            ),
            (
                "actor from another issuer", alice(),
                Self.identity(
                    issuer: Self.acmeIdP, subject: "system:serviceaccount:pool:runner-1", fixture: fixture),
                "reports", .parties, .permissionDenied
            ),
            (
                "a tenant workload as actor", alice(), fixture.workload("acme").identity, "reports", .parties,
                .permissionDenied
            ),
            ("delegation-only subject without an actor", alice(), nil, "reports", .parties, .permissionDenied),
            (
                "subject bound to no tenant", Self.user("admin-eve", of: Self.acmeIdP, fixture: fixture),
                Self.runner(fixture: fixture), "reports", .parties, .permissionDenied
            ),
            (
                "cross-tenant: acting for acme, asking globex's audience", alice(), Self.runner(fixture: fixture),
                "globex-api", .target, .permissionDenied
            ),
            ("unknown audience", alice(), Self.runner(fixture: fixture), "nobody", .target, .permissionDenied),
            ("audience with a slash", alice(), Self.runner(fixture: fixture), "reports/x", .target, .requestInvalid),
            ("audience '..'", alice(), Self.runner(fixture: fixture), "..", .target, .requestInvalid),
            ("policy deny", fixture.workload("acme"), nil, "forbidden", .target, .permissionDenied),
        ]
    }

    @Test("every refusal names its stage and code, issues nothing, and is audited as a deny naming the actor")
    func refusals() async throws {
        let fixture = try Self.fixture()
        let cases = Self.refusalCases(fixture)
        for (label, subject, actor, audience, stage, code) in cases {
            do {
                let result = try await fixture.broker.exchangeToken(subject: subject, actor: actor, audience: audience)
                Issue.record("\(label): granted lease for \(result.lease.tenantID)")
            } catch {
                #expect(error.stage == stage, "\(label)")
                #expect(error.error.code == code, "\(label): \(error.error)")
            }
        }
        let records = try await fixture.auditRecords()
        #expect(!records.contains { $0["event"]?.stringValue == "grant" }, "nothing was granted")
        for (label, subject, actor, _, stage, _) in cases {
            let denials = records.filter {
                $0["request_id"]?.stringValue == subject.requestID && $0["decision"]?.stringValue == "deny"
            }
            #expect(denials.count == 1, "\(label): one deny record")
            if let actor, stage == .parties, label != "subject bound to no tenant" {
                #expect(
                    denials.first?["details"]?["actor"]?.stringValue == "\(actor.issuer) \(actor.subject)",
                    "\(label): the deny names the actor")
            }
        }
        for tenant in ["acme", "globex", "initech"] {
            let leases = try await fixture.store.leases(tenantID: tenant, binding: nil, after: nil, limit: 100)
            #expect(leases.isEmpty, "\(tenant) holds no lease after refusals only")
        }
        await fixture.cleanUp()
    }

    @Test("a cross-tenant refusal reads like an unknown audience: it does not say the audience is globex's")
    func crossTenantDoesNotLeak() async throws {
        let fixture = try Self.fixture()
        let alice = Self.user("user-alice", of: Self.acmeIdP, fixture: fixture)
        var messages: [String] = []
        for audience in ["globex-api", "nobody"] {
            do {
                _ = try await fixture.broker.exchangeToken(
                    subject: alice, actor: Self.runner(fixture: fixture), audience: audience)
                Issue.record("\(audience) was granted")
            } catch {
                #expect(error.stage == .target)
                messages.append(error.error.message.replacingOccurrences(of: audience, with: "<audience>"))
            }
        }
        #expect(messages.count == 2 && messages[0] == messages[1], "\(messages)")
        #expect(!messages.joined().contains("globex"))
        await fixture.cleanUp()
    }

    @Test("the native API refuses a delegation-only binding's subject, audited under its tenant")
    func nativeRefusesDelegationOnly() async throws {
        let fixture = try Self.fixture()
        let alice = Self.user("user-alice", of: Self.acmeIdP, fixture: fixture)
        do {
            _ = try await fixture.broker.exchange(alice, path: "token/audiences/reports", requestedTTL: nil)
            Issue.record("a delegation-only subject was granted without an actor")
        } catch {
            #expect(error.code == .permissionDenied)
            #expect(error.message.contains("delegation-only"))
        }
        let deny = try #require(
            try await fixture.auditRecords().first { $0["request_id"]?.stringValue == alice.requestID })
        #expect(deny["decision"]?.stringValue == "deny")
        #expect(deny["tenant_id"]?.stringValue == "acme")
        await fixture.cleanUp()
    }

    @Test("the bundle digest covers the delegation section")
    func digestCoversDelegation() async throws {
        let fixture = try Self.fixture()
        let before = fixture.policies.current.digest
        let changed = Self.delegationBundle.replacingOccurrences(
            of: "system:serviceaccount:pool:runner-*", with: "system:serviceaccount:pool:other-*")
        try changed.write(
            toFile: "\(fixture.directory)/policies/delegation.yaml", atomically: true, encoding: .utf8)
        let after = try PolicyBundleLoader.load(directory: "\(fixture.directory)/policies").digest
        #expect(before != after)
        await fixture.cleanUp()
    }
}

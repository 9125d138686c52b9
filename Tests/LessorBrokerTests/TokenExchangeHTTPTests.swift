import Foundation
import LessorCore
import LessorCrypto
import LessorIdentity
import LessorTestSupport
import Testing

/// RFC 8693 at `POST /v1/token` of a real `lessor server` process: answers and errors in the
/// RFC's shapes, delegation with `act`, and every refusal in the server's own audit log.
@Suite("RFC 8693 token exchange over HTTP", .serialized)
struct TokenExchangeHTTPTests {
    static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let jwt = "urn:ietf:params:oauth:token-type:jwt"

    /// Beside the servers' usual bundle: acme's and globex's users (`user:<tenant>:*`) are bound
    /// delegation-only, admitting the pool's runners as actors.
    static let delegation = """
        bindings:
          - name: acme-users
            issuer: \(StaticIssuer.url)
            audiences: [lessor]
            bound_claims:
              sub: "user:acme:*"
            tenant: acme
            policies: [acme-delegated]
            delegation:
              actors:
                issuer: \(StaticIssuer.url)
                bound_claims:
                  sub: "system:serviceaccount:pool:runner-*"
          - name: globex-users
            issuer: \(StaticIssuer.url)
            audiences: [lessor]
            bound_claims:
              sub: "user:globex:*"
            tenant: globex
            policies: [globex-delegated]
            delegation:
              actors:
                issuer: \(StaticIssuer.url)
                bound_claims:
                  sub: "system:serviceaccount:pool:runner-*"
        policies:
          - name: acme-delegated
            rules:
              - path: token/audiences/reports
                capabilities: [read]
          - name: globex-delegated
            rules:
              - path: token/audiences/globex-api
                capabilities: [read]

        """

    /// Starts a broker whose bundle also holds `delegation`, runs `body`, then stops it.
    static func run(_ body: (BrokerUnderTest) async throws -> Void) async throws {
        try await BrokerUnderTest.run(policyFiles: ["delegation.yaml": delegation], body)
    }

    /// A pool runner's service-account token (namespace `pool`, bound to no tenant itself).
    static func runner(_ issuer: StaticIssuer, _ name: String = "runner-1") throws -> String {
        try issuer.sign(
            TokenMinter.serviceAccountClaims(
                issuer: StaticIssuer.url, namespace: "pool", serviceAccount: name, audiences: ["lessor"], now: Date()))
    }

    static func post(_ broker: BrokerUnderTest, _ fields: [(String, String)], headers: [(String, String)] = [])
        async throws -> HTTPEndpoint.Reply
    {
        try await broker.endpoint.form("/v1/token", fields, headers: headers)
    }

    static func exchange(subject: String, actor: String? = nil, audience: String?) -> [(String, String)] {
        var fields = [("grant_type", grantType), ("subject_token", subject), ("subject_token_type", jwt)]
        if let actor { fields += [("actor_token", actor), ("actor_token_type", jwt)] }
        if let audience { fields.append(("audience", audience)) }
        return fields
    }

    static func claims(_ token: String) throws -> JSONValue {
        let parts = token.split(separator: ".").map(String.init)
        try #require(parts.count == 3)
        return try JSONParser.parse(try #require(Base64URL.decode(parts[1])))
    }

    @Test("success per RFC 8693 §2.2.1: act with delegation, none without; the grant record names the actor")
    func success() async throws {
        try await Self.run { broker in
            let alice = try broker.issuer.subject("user:acme:alice")
            let runner = try Self.runner(broker.issuer)
            let delegated = try await Self.post(
                broker, Self.exchange(subject: alice, actor: runner, audience: "reports"))
            try #require(delegated.status == 200, "\(delegated.text)")
            #expect(delegated.headers["cache-control"] == "no-store")
            #expect(delegated.headers["content-type"]?.hasPrefix("application/json") == true)
            let body = try #require(delegated.json)
            #expect(body["issued_token_type"]?.stringValue == Self.jwt)
            #expect(body["token_type"]?.stringValue == "Bearer")
            let expiresIn = try #require(body["expires_in"]?.numberValue)
            #expect(expiresIn > 0 && expiresIn <= 15 * 60)
            let leaseID = try #require(body["lease_id"]?.stringValue)
            let token = try #require(body["access_token"]?.stringValue)
            let claims = try Self.claims(token)
            #expect(claims["tenant"]?.stringValue == "acme")
            #expect(claims["sub"]?.stringValue == "user:acme:alice")
            #expect(claims["aud"]?.stringValue == "reports")
            #expect(claims["jti"]?.stringValue == leaseID)
            #expect(
                claims["act"]
                    == .object([
                        "sub": .string("system:serviceaccount:pool:runner-1"), "iss": .string(StaticIssuer.url),
                    ]))

            let direct = try await Self.post(
                broker,
                Self.exchange(subject: try broker.issuer.workload("acme"), audience: "app")
                    + [("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"), ("resource", "app")])
            try #require(direct.status == 200, "\(direct.text)")
            let directToken = try #require(direct.json?["access_token"]?.stringValue)
            #expect(try Self.claims(directToken)["act"] == nil)
            #expect(try Self.claims(directToken)["tenant"]?.stringValue == "acme")

            let delegatedID = try #require(delegated.requestID)
            let directID = try #require(direct.requestID)
            let audit = try await broker.stopAndReadAudit()
            let grant = try #require(audit[delegatedID]?.first { $0["event"]?.stringValue == "grant" })
            #expect(grant["tenant_id"]?.stringValue == "acme")
            #expect(grant["subject"]?["sub"]?.stringValue == "user:acme:alice")
            #expect(
                grant["details"]?["actor"]?.stringValue == "\(StaticIssuer.url) system:serviceaccount:pool:runner-1")
            let directGrant = try #require(audit[directID]?.first { $0["event"]?.stringValue == "grant" })
            #expect(directGrant["details"]?["actor"] == nil)
            for record in audit.values.joined() {
                let line = String(decoding: AuditCanonicalJSON.encode(.object(record)), as: UTF8.self)
                for secret in [token, directToken, alice, runner] {
                    for fragment in HTTPInputTests.fragments(of: secret) {
                        #expect(!line.contains(fragment), "a token reached the audit log")
                    }
                }
            }
        }
    }

    @Test("each refusal has its RFC 6749 §5.2 code, is 400 with no-store, echoes no token, and is audited")
    func refusals() async throws {
        try await Self.run { broker in
            let issuer = broker.issuer
            let alice = try issuer.subject("user:acme:alice")
            let runner = try Self.runner(issuer)
            let acmeWorkload = try issuer.workload("acme")
            let expired = try issuer.workload("acme", issuedAt: Date().addingTimeInterval(-7200), lifetime: 3600)
            let forged = try StaticIssuer(keyID: issuer.keyID).workload("acme")
            let garbage = "garbage-5d1e7a-not-a-jwt"
            let cases: [(label: String, fields: [(String, String)], error: String)] = [
                (
                    "another grant type",
                    [("grant_type", "client_credentials")]
                        + Self.exchange(
                            subject: alice, actor: runner, audience: "reports"
                        ).dropFirst(), "unsupported_grant_type"
                ),
                (
                    "no grant type",
                    Array(Self.exchange(subject: alice, actor: runner, audience: "reports").dropFirst()),
                    "invalid_request"
                ),
                (
                    "no subject token",
                    [("grant_type", Self.grantType), ("subject_token_type", Self.jwt), ("audience", "reports")],
                    "invalid_request"
                ),
                (
                    "no subject token type",
                    [("grant_type", Self.grantType), ("subject_token", acmeWorkload), ("audience", "app")],
                    "invalid_request"
                ),
                (
                    "a SAML subject token type",
                    [
                        ("grant_type", Self.grantType), ("subject_token", acmeWorkload),
                        ("subject_token_type", "urn:ietf:params:oauth:token-type:saml2"), ("audience", "app"),
                    ], "invalid_request"
                ),
                ("a garbage subject token", Self.exchange(subject: garbage, audience: "app"), "invalid_request"),
                ("an expired subject token", Self.exchange(subject: expired, audience: "app"), "invalid_request"),
                ("a forged subject token", Self.exchange(subject: forged, audience: "app"), "invalid_request"),
                ("no audience", Self.exchange(subject: acmeWorkload, audience: nil), "invalid_request"),
                (
                    "a SAML requested token type",
                    Self.exchange(subject: acmeWorkload, audience: "app") + [
                        ("requested_token_type", "urn:ietf:params:oauth:token-type:saml2")
                    ], "invalid_request"
                ),
                (
                    "a resource other than the audience",
                    Self.exchange(subject: acmeWorkload, audience: "app") + [("resource", "https://db.example")],
                    "invalid_target"
                ),
                (
                    "a scope other than the audience",
                    Self.exchange(subject: acmeWorkload, audience: "app") + [("scope", "admin")], "invalid_target"
                ),
                (
                    "a repeated audience",
                    Self.exchange(subject: acmeWorkload, audience: "app") + [("audience", "other")], "invalid_request"
                ),
                ("an unknown audience", Self.exchange(subject: acmeWorkload, audience: "nobody"), "invalid_target"),
                (
                    "an actor token without its type",
                    Self.exchange(subject: alice, audience: "reports") + [("actor_token", runner)], "invalid_request"
                ),
                (
                    "an actor token type without a token",
                    Self.exchange(subject: alice, audience: "reports") + [("actor_token_type", Self.jwt)],
                    "invalid_request"
                ),
                (
                    "a garbage actor token", Self.exchange(subject: alice, actor: garbage, audience: "reports"),
                    "invalid_request"
                ),
                (
                    "an expired actor token", Self.exchange(subject: alice, actor: expired, audience: "reports"),
                    "invalid_request"
                ),
                (
                    "an actor token to a binding without delegation",
                    Self.exchange(subject: acmeWorkload, actor: runner, audience: "app"), "unauthorized_client"
                ),
                (
                    "an actor outside the binding's actor selector",
                    Self.exchange(subject: alice, actor: try Self.runner(issuer, "web-1"), audience: "reports"),
                    "unauthorized_client"
                ),
                (
                    "a tenant workload as the actor",
                    Self.exchange(subject: alice, actor: acmeWorkload, audience: "reports"), "unauthorized_client"
                ),
                (
                    "a delegation-only subject without an actor", Self.exchange(subject: alice, audience: "reports"),
                    "unauthorized_client"
                ),
                (
                    "a subject bound to no tenant",
                    Self.exchange(subject: try issuer.subject("user:initech:bob"), actor: runner, audience: "reports"),
                    "unauthorized_client"
                ),
                (
                    "cross-tenant: acting for acme, asking globex's audience",
                    Self.exchange(subject: alice, actor: runner, audience: "globex-api"), "invalid_target"
                ),
                (
                    "acting for acme, an audience nobody has",
                    Self.exchange(subject: alice, actor: runner, audience: "nobody-api"), "invalid_target"
                ),
            ]
            let secrets = [alice, runner, acmeWorkload, expired, forged, garbage]
            var refused: [String] = []
            var replies: [String: HTTPEndpoint.Reply] = [:]
            for (label, fields, expected) in cases {
                let reply = try await Self.post(broker, fields)
                #expect(reply.status == 400, "\(label): \(reply.status) \(reply.text)")
                #expect(reply.json?["error"]?.stringValue == expected, "\(label): \(reply.text)")
                #expect(reply.json?["error_description"]?.stringValue?.isEmpty == false, "\(label)")
                #expect(reply.headers["cache-control"] == "no-store", "\(label)")
                #expect(reply.json?["access_token"] == nil, "\(label)")
                for secret in secrets {
                    for fragment in HTTPInputTests.fragments(of: secret) {
                        #expect(!reply.text.contains(fragment), "\(label): the answer echoes a token")
                    }
                }
                refused.append(try #require(reply.requestID, "\(label): no request id"))
                replies[label] = reply
            }

            // Another tenant's audience is refused exactly like one that exists nowhere.
            let crossTenant = try #require(replies["cross-tenant: acting for acme, asking globex's audience"])
            let nowhere = try #require(replies["acting for acme, an audience nobody has"])
            let crossText = crossTenant.json?["error_description"]?.stringValue ?? ""
            let nowhereText = nowhere.json?["error_description"]?.stringValue ?? ""
            #expect(
                crossText.replacingOccurrences(of: "globex-api", with: "<aud>")
                    == nowhereText.replacingOccurrences(of: "nobody-api", with: "<aud>"))
            #expect(!crossText.replacingOccurrences(of: "globex-api", with: "").contains("globex"))

            // None of it issued anything: acme's and globex's users still hold no lease.
            #expect(try await broker.endpoint.leases(acmeWorkload).isEmpty)

            let audit = try await broker.stopAndReadAudit()
            for (id, label) in zip(refused, cases.map(\.label)) {
                #expect(BrokerUnderTest.hasDeny(audit[id]), "\(label): a deny record")
                #expect(
                    !(audit[id] ?? []).contains { $0["event"]?.stringValue == "grant" }, "\(label): no grant record")
            }
            for record in audit.values.joined() {
                let line = String(decoding: AuditCanonicalJSON.encode(.object(record)), as: UTF8.self)
                for secret in secrets {
                    for fragment in HTTPInputTests.fragments(of: secret) {
                        #expect(!line.contains(fragment), "a token reached the audit log")
                    }
                }
            }
        }
    }
}

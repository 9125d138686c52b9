import Foundation
import LessorCore
import LessorCrypto
import LessorTestSupport
import Testing

/// Bad input to the exchange, lease, introspection and offboarding endpoints of a real
/// `lessor server` process (SQLite store, plain HTTP on loopback), with tokens from an issuer the
/// test holds the key of. Every refusal is checked against the server's own audit log.
@Suite("HTTP input to a real broker process", .serialized)
struct HTTPInputTests {
    /// Every authenticated route, with a body each accepts when the caller is allowed.
    static let routes: [(method: String, path: String)] = [
        ("POST", "/v1/creds/token/audiences/app"), ("POST", "/v1/leases/renew"), ("POST", "/v1/leases/revoke"),
        ("GET", "/v1/leases"), ("POST", "/v1/introspect"), ("POST", "/v1/tenants/acme/offboard"),
    ]

    @Test("a missing, foreign-scheme, garbage, expired or forged bearer token is 401, never echoed, and audited")
    func badBearerTokens() async throws {
        try await BrokerUnderTest.run { broker in
            let forger = try StaticIssuer(keyID: broker.issuer.keyID)
            let expired = try broker.issuer.workload(
                "acme", issuedAt: Date().addingTimeInterval(-7200), lifetime: 3600)
            let tokens: [(label: String, header: String?, secret: String?, code: String?)] = [
                ("missing", nil, nil, "unauthenticated"),
                ("basic scheme", "Basic YWNtZTpodW50ZXIy", "YWNtZTpodW50ZXIy", "unauthenticated"),
                ("empty bearer", "Bearer ", nil, "unauthenticated"),
                ("garbage", "Bearer garbage-7f3c9e-not-a-jwt", "garbage-7f3c9e-not-a-jwt", nil),
                ("three garbage parts", "Bearer aaaa.bbbb.cccc-secret", "cccc-secret", nil),
                ("expired", "Bearer \(expired)", expired, "token_expired"),
                ("forged", "Bearer \(try forger.workload("acme"))", try forger.workload("acme"), nil),
            ]
            var refused: [String] = []
            for (method, path) in Self.routes {
                for token in tokens {
                    let reply = try await broker.raw(
                        method, path, headers: token.header.map { [("Authorization", $0)] } ?? [],
                        body: method == "POST" ? Array("{}".utf8) : [])
                    let label = "\(method) \(path) with a \(token.label) token"
                    #expect(reply.status == 401, "\(label): \(reply.status) \(reply.text)")
                    #expect(reply.headers["content-type"]?.hasPrefix("application/json") == true, "\(label)")
                    #expect(reply.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(label)")
                    let code = try #require(reply.errorCode, "\(label): no JSON error code in \(reply.text)")
                    if let expected = token.code { #expect(code == expected, "\(label)") }
                    if let secret = token.secret {
                        for fragment in Self.fragments(of: secret) {
                            #expect(!reply.text.contains(fragment), "\(label): the answer echoes the token")
                            #expect(!reply.headers.values.contains { $0.contains(fragment) }, "\(label)")
                        }
                    }
                    refused.append(try #require(reply.requestID, "\(label): no request id"))
                }
            }
            let audit = try await broker.stopAndReadAudit()
            for id in refused {
                let records = audit[id] ?? []
                #expect(
                    records.contains {
                        $0["event"]?.stringValue == "deny" && $0["global_scope"]?.stringValue == "unauthenticated"
                    }, "request \(id) has an unauthenticated deny record")
                for record in records {
                    let line = AuditCanonicalJSON.encode(.object(record))
                    for token in tokens {
                        for fragment in Self.fragments(of: token.secret ?? "") {
                            #expect(!String(decoding: line, as: UTF8.self).contains(fragment), "token in audit")
                        }
                    }
                }
            }
        }
    }

    @Test("malformed JSON and wrong types are 400 request_invalid, bodies over 64 KiB 413 request_too_large")
    func malformedBodies() async throws {
        try await BrokerUnderTest.run { broker in
            let acme = try broker.issuer.workload("acme")
            let admin = try broker.issuer.subject("platform-admin")
            let granted = try await broker.endpoint.exchange(acme)
            try #require(granted.status == 200, "\(granted.text)")
            let lease = try #require(granted.json?["lease_id"]?.stringValue)
            let oversized = "{\"ttl\": 60, \"pad\": \"\(String(repeating: "x", count: 70 * 1024))\"}"
            let cases: [(path: String, token: String, body: String)] = [
                ("/v1/creds/token/audiences/app", acme, "{"),
                ("/v1/creds/token/audiences/app", acme, "[1, 2]"),
                ("/v1/creds/token/audiences/app", acme, "\"ttl\""),
                ("/v1/creds/token/audiences/app", acme, "{\"ttl\": \"abc\"}"),
                ("/v1/creds/token/audiences/app", acme, "{\"ttl\": -5}"),
                ("/v1/creds/token/audiences/app", acme, "{\"ttl\": 0}"),
                ("/v1/creds/token/audiences/app", acme, "{\"ttl\": 1.5}"),
                ("/v1/creds/token/audiences/app", acme, "{\"ttl\": \"0m\"}"),
                ("/v1/creds/token/audiences/app", acme, "{\"ttl\": \"15d\"}"),
                ("/v1/creds/token/audiences/app", acme, "{\"ttl\": true}"),
                ("/v1/creds/token/audiences/app", acme, oversized),
                ("/v1/leases/renew", acme, "{\"lease_id\": 5}"),
                ("/v1/leases/renew", acme, "{}"),
                ("/v1/leases/renew", acme, "{\"lease_id\": \"\(lease)\", \"increment\": \"abc\"}"),
                ("/v1/leases/renew", acme, "not json"),
                ("/v1/leases/renew", acme, oversized),
                ("/v1/leases/revoke", acme, "{\"lease_id\": 5}"),
                ("/v1/leases/revoke", acme, "{\"lease_id\": [\"\(lease)\"]}"),
                ("/v1/leases/revoke", acme, "{\"lease_id\": null}"),
                ("/v1/leases/revoke", acme, oversized),
                ("/v1/tenants/acme/offboard", admin, "{\"reason\": 5}"),
                ("/v1/tenants/acme/offboard", admin, "{\"reason\": "),
                ("/v1/tenants/acme/offboard", admin, oversized),
                ("/v1/introspect", acme, "token=" + String(repeating: "x", count: 70 * 1024)),
            ]
            var refused: [String] = []
            for (path, token, body) in cases {
                let reply = try await broker.endpoint.send(
                    path, token: token, headers: [("Content-Type", "application/json")], body: Array(body.utf8))
                let label = "POST \(path) \(body.prefix(60))"
                let tooLarge = body.utf8.count > 64 * 1024
                #expect(reply.status == (tooLarge ? 413 : 400), "\(label): \(reply.status) \(reply.text.prefix(300))")
                #expect(
                    reply.errorCode == (tooLarge ? "request_too_large" : "request_invalid"),
                    "\(label): \(reply.text.prefix(300))")
                #expect(!reply.text.contains("xxxxxxxx"), "\(label): the answer echoes the body")
                refused.append(try #require(reply.requestID, "\(label)"))
            }
            // None of it touched the lease or the tenant.
            #expect(try await broker.endpoint.leases(acme)[lease] == "active")
            #expect(try await broker.endpoint.exchange(acme).status == 200)

            let audit = try await broker.stopAndReadAudit()
            for id in refused {
                #expect(BrokerUnderTest.hasDeny(audit[id]), "request \(id) has a deny record")
            }
        }
    }

    @Test("path traversal out of /v1/creds or into a tenant id is refused, audited, and reaches nothing")
    func pathTraversal() async throws {
        try await BrokerUnderTest.run { broker in
            let acme = try broker.issuer.workload("acme")
            let admin = try broker.issuer.subject("platform-admin")
            let reason = ("X-Lessor-Reason", "traversal test")
            let cases: [(target: String, token: String, status: Int, code: String)] = [
                ("/v1/creds/../tenants/acme/offboard", acme, 400, "request_invalid"),
                ("/v1/creds/../tenants/acme/offboard", admin, 403, "permission_denied"),
                ("/v1/creds/token/../../tenants/acme/offboard", acme, 400, "request_invalid"),
                ("/v1/creds/%2e%2e/tenants/x", acme, 400, "request_invalid"),
                ("/v1/creds/%2E%2E/%2e%2e/v1/tenants/acme/offboard", acme, 400, "request_invalid"),
                ("/v1/creds/token/audiences/..%2f..%2fapp", acme, 400, "request_invalid"),
                ("/v1/creds/token/audiences/./app", acme, 400, "request_invalid"),
                ("/v1/tenants/%2e%2e/offboard", admin, 400, "request_invalid"),
                ("/v1/tenants/..%2facme/offboard", admin, 400, "request_invalid"),
                ("/v1/tenants/acme%2f..%2fglobex/offboard", admin, 400, "request_invalid"),
            ]
            var refused: [String] = []
            for (target, token, status, code) in cases {
                let reply = try await broker.raw(
                    "POST", target, headers: [("Authorization", "Bearer \(token)"), reason], body: Array("{}".utf8))
                #expect(reply.status == status, "\(target): \(reply.status) \(reply.text)")
                #expect(reply.errorCode == code, "\(target): \(reply.text)")
                if let id = reply.requestID { refused.append(id) }
            }
            // Targets no route serves are refused by the router (404), not by a use case.
            for target in ["/v1/leases/../tenants/acme/offboard", "/v1/introspect/../tenants/acme/offboard"] {
                let reply = try await broker.raw(
                    "POST", target, headers: [("Authorization", "Bearer \(admin)"), reason], body: Array("{}".utf8))
                #expect(reply.status == 404, "\(target): \(reply.status) \(reply.text)")
            }
            // No traversal offboarded anyone.
            #expect(try await broker.endpoint.exchange(acme).status == 200, "acme is still active")
            #expect(
                try await broker.endpoint.exchange(try broker.issuer.workload("globex")).status == 200,
                "globex is still active")

            let audit = try await broker.stopAndReadAudit()
            #expect(refused.count == cases.count)
            for id in refused {
                #expect(BrokerUnderTest.hasDeny(audit[id]), "request \(id) has a deny record")
            }
        }
    }

    @Test("another tenant's lease id is 404 lease_not_found, shaped exactly like an id that does not exist")
    func crossTenantLeaseID() async throws {
        try await BrokerUnderTest.run { broker in
            let acme = try broker.issuer.workload("acme")
            let globex = try broker.issuer.workload("globex")
            let granted = try await broker.endpoint.exchange(acme)
            try #require(granted.status == 200, "\(granted.text)")
            let lease = try #require(granted.json?["lease_id"]?.stringValue)
            let missing = "lease_" + String(repeating: "Q", count: 32)

            var refused: [String] = []
            for action in ["renew", "revoke"] {
                var replies: [HTTPEndpoint.Reply] = []
                for (token, id) in [(globex, lease), (globex, missing), (acme, missing)] {
                    let reply = try await broker.endpoint.call(
                        "/v1/leases/\(action)", token: token, json: ["lease_id": .string(id)])
                    #expect(reply.status == 404, "\(action) \(id): \(reply.text)")
                    #expect(reply.errorCode == "lease_not_found", "\(action) \(id): \(reply.text)")
                    refused.append(try #require(reply.requestID))
                    replies.append(reply)
                }
                let shapes = replies.map { Self.withoutRequestID($0.json) }
                #expect(shapes.allSatisfy { $0 == shapes[0] }, "\(action): answers differ: \(replies.map(\.text))")
                #expect(Set(replies.map { $0.headers["content-type"] ?? "" }).count == 1)
                #expect(!replies[0].text.contains(lease), "the answer does not repeat the other tenant's lease id")
            }
            #expect(try await broker.endpoint.leases(acme)[lease] == "active", "acme's lease was not touched")
            #expect(try await broker.endpoint.leases(globex)[lease] == nil, "globex does not list acme's lease")

            let audit = try await broker.stopAndReadAudit()
            for id in refused {
                #expect(BrokerUnderTest.hasDeny(audit[id]), "request \(id) has a deny record")
            }
        }
    }

    @Test(
        "introspection: forged or garbage tokens are inactive, another tenant's token is inactive, a repeated field is 400"
    )
    func introspection() async throws {
        try await BrokerUnderTest.run { broker in
            let acme = try broker.issuer.workload("acme")
            let globex = try broker.issuer.workload("globex")
            let granted = try await broker.endpoint.exchange(acme)
            try #require(granted.status == 200, "\(granted.text)")
            let issued = try #require(granted.json?["data"]?["token"]?.stringValue)

            func introspect(_ form: String, as caller: String) async throws -> HTTPEndpoint.Reply {
                try await broker.endpoint.send(
                    "/v1/introspect", token: caller, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                    body: Array(form.utf8))
            }
            let active = try await introspect("token=\(issued)", as: acme)
            #expect(active.status == 200)
            #expect(active.json?["active"] == .bool(true), "\(active.text)")
            #expect(active.json?["tenant"]?.stringValue == "acme")

            let parts = issued.split(separator: ".").map(String.init)
            let otherSignature = Base64URL.encode([UInt8](repeating: 7, count: 64))
            let inactive: [(label: String, token: String, caller: String)] = [
                ("garbage", "garbage", acme),
                ("three garbage parts", "aaaa.bbbb.cccc", acme),
                ("a forged signature", "\(parts[0]).\(parts[1]).\(otherSignature)", acme),
                (
                    "a changed payload",
                    "\(parts[0]).\(Base64URL.encode(Array("{\"tenant\":\"acme\"}".utf8))).\(parts[2])", acme
                ),
                ("an issuer token, not a broker token", acme, acme),
                ("another tenant's token", issued, globex),
            ]
            for (label, token, caller) in inactive {
                let reply = try await introspect("token=\(token)", as: caller)
                #expect(reply.status == 200, "\(label): \(reply.text)")
                #expect(reply.json == .object(["active": .bool(false)]), "\(label): \(reply.text)")
            }

            var refused: [String] = []
            for form in ["token=\(issued)&token=\(issued)", "token=a&token=b", "token=", "", "foo=bar", "token=%zz"] {
                let reply = try await introspect(form, as: acme)
                #expect(reply.status == 400, "\(form.prefix(40)): \(reply.text)")
                #expect(reply.errorCode == "request_invalid", "\(form.prefix(40)): \(reply.text)")
                #expect(!reply.text.contains(issued), "the answer does not echo the token")
                refused.append(try #require(reply.requestID))
            }
            let audit = try await broker.stopAndReadAudit()
            for id in refused {
                #expect(BrokerUnderTest.hasDeny(audit[id]), "request \(id) has a deny record")
            }
        }
    }

    @Test("offboarding without a reason is 400 and by a non-admin is 403; both are audited and change nothing")
    func offboardingRefusals() async throws {
        try await BrokerUnderTest.run { broker in
            let admin = try broker.issuer.subject("platform-admin")
            let acme = try broker.issuer.workload("acme")
            let cases: [(label: String, token: String, reason: String?, body: String, status: Int, code: String)] = [
                ("admin, no reason", admin, nil, "", 400, "request_invalid"),
                ("admin, empty JSON", admin, nil, "{}", 400, "request_invalid"),
                ("admin, blank header", admin, "   ", "{}", 400, "request_invalid"),
                ("admin, blank body reason", admin, nil, "{\"reason\": \" \"}", 400, "request_invalid"),
                ("workload", acme, "leaving", "{}", 403, "permission_denied"),
                ("workload of the tenant itself", acme, nil, "{\"reason\": \"leaving\"}", 403, "permission_denied"),
                ("unbound subject", try broker.issuer.subject("platform-admin2"), "x", "{}", 403, "permission_denied"),
                ("admin, tenant id not a DNS label", admin, "x", "{}", 400, "request_invalid"),
            ]
            var refused: [String] = []
            for (label, token, reason, body, status, code) in cases {
                let tenant = label.contains("DNS label") ? "ACME_corp" : "acme"
                var headers = [("Content-Type", "application/json")]
                if let reason { headers.append(("X-Lessor-Reason", reason)) }
                let reply = try await broker.endpoint.send(
                    "/v1/tenants/\(tenant)/offboard", token: token, headers: headers, body: Array(body.utf8))
                #expect(reply.status == status, "\(label): \(reply.status) \(reply.text)")
                #expect(reply.errorCode == code, "\(label): \(reply.text)")
                refused.append(try #require(reply.requestID, "\(label)"))
            }
            #expect(try await broker.endpoint.exchange(acme).status == 200, "acme is still active")

            let audit = try await broker.stopAndReadAudit()
            for id in refused {
                #expect(BrokerUnderTest.hasDeny(audit[id]), "request \(id) has a deny record")
            }
        }
    }

    @Test("the JWKS and OpenID configuration are served, and the JWKS verifies an exchanged token")
    func tokenIssuerDocuments() async throws {
        try await BrokerUnderTest.run { broker in
            let configuration = try await broker.endpoint.call("/.well-known/openid-configuration", token: nil)
            #expect(configuration.status == 200, "\(configuration.text)")
            #expect(configuration.json?["issuer"]?.stringValue == broker.server.address)
            let jwksURI = try #require(configuration.json?["jwks_uri"]?.stringValue)
            #expect(jwksURI == "\(broker.server.address)/.well-known/jwks.json")

            let jwks = try await broker.endpoint.call("/.well-known/jwks.json", token: nil)
            #expect(jwks.status == 200)
            #expect(jwks.headers["cache-control"]?.contains("max-age") == true)
            let keySet = try JSONDecoder().decode(JSONWebKeySet.self, from: Data(jwks.body))
            #expect(!keySet.keys.isEmpty)
            #expect(keySet.keys.allSatisfy { !$0.containsPrivateMembers }, "the JWKS holds public keys only")

            let granted = try await broker.endpoint.exchange(try broker.issuer.workload("acme"))
            try #require(granted.status == 200, "\(granted.text)")
            let token = try #require(granted.json?["data"]?["token"]?.stringValue)
            let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            try #require(parts.count == 3)
            let header = try JSONParser.parse(try #require(Base64URL.decode(parts[0])))
            let keyID = try #require(header["kid"]?.stringValue)
            let algorithm = try #require(header["alg"]?.stringValue.flatMap(JWSAlgorithm.init(rawValue:)))
            let jwk = try #require(keySet.keys.first { $0.kid == keyID }, "the JWKS holds the token's kid \(keyID)")
            let key = try VerificationKey(jwk: jwk)
            #expect(
                key.verify(
                    signature: try #require(Base64URL.decode(parts[2])),
                    signingInput: Array("\(parts[0]).\(parts[1])".utf8),
                    algorithm: algorithm), "the token's signature verifies with the published key")
            let claims = try JSONParser.parse(try #require(Base64URL.decode(parts[1])))
            #expect(claims["iss"]?.stringValue == broker.server.address)
            #expect(claims["jti"]?.stringValue == granted.json?["lease_id"]?.stringValue)
        }
    }

    /// The token itself and its longer dot-separated parts: none may appear in an answer.
    static func fragments(of secret: String) -> [String] {
        guard !secret.isEmpty else { return [] }
        return [secret] + secret.split(separator: ".").map(String.init).filter { $0.count >= 8 }
    }

    static func withoutRequestID(_ json: JSONValue?) -> JSONValue? {
        guard case .object(var body)? = json, case .object(var error)? = body["error"] else { return json }
        error["request_id"] = .null
        body["error"] = .object(error)
        return .object(body)
    }
}

/// One `lessor server` process on SQLite for a test, with the issuer whose tokens it trusts.
struct BrokerUnderTest {
    let issuer: StaticIssuer
    let server: ServerProcess
    var endpoint: HTTPEndpoint { server.endpoint }

    /// Starts a broker, runs `body`, then always stops it and removes its directory. `extra`,
    /// `serverSettings` and `policyFiles` (file name → YAML beside the fixture's bundle) shape it.
    static func run(
        extra: String = "", serverSettings: [String] = [], policyFiles: [String: String] = [:],
        _ body: (BrokerUnderTest) async throws -> Void
    ) async throws {
        let root = NSTemporaryDirectory() + "lessor-http-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(
            atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let issuer = try StaticIssuer()
        let policies = try ServerProcess.writePolicies(into: root)
        for (name, text) in policyFiles {
            try text.write(toFile: "\(policies)/\(name)", atomically: true, encoding: .utf8)
        }
        let server = try ServerProcess(
            name: "broker", root: root, jwksFile: try issuer.writeJWKS(to: "\(root)/jwks.json"), policies: policies,
            extra: extra, serverSettings: serverSettings)
        try await withCleanup {
            try await server.start()
            try await body(BrokerUnderTest(issuer: issuer, server: server))
        } cleanup: {
            await server.stop()
        }
    }

    /// A request sent byte for byte, its target unnormalised.
    func raw(_ method: String, _ target: String, headers: [(String, String)], body: [UInt8]) async throws
        -> HTTPEndpoint.Reply
    {
        let port = server.port
        return try await onOwnThread {
            try RawHTTP.send(
                port: port, method: method, target: target,
                headers: headers + [("Content-Type", "application/json")], body: body)
        }
    }

    /// Stops the server (closing its audit log) and returns its records by request id.
    func stopAndReadAudit() async throws -> [String: [[String: JSONValue]]] {
        #expect(await server.stop() == 0, "SIGTERM ends the server cleanly, with exit status 0")
        var byRequest: [String: [[String: JSONValue]]] = [:]
        for record in try server.auditRecords() {
            if let id = record["request_id"]?.stringValue { byRequest[id, default: []].append(record) }
        }
        return byRequest
    }

    static func hasDeny(_ records: [[String: JSONValue]]?) -> Bool {
        records?.contains { $0["decision"]?.stringValue == "deny" } ?? false
    }
}

import CurlClient
import Foundation
import Hummingbird
import HummingbirdTesting
import LessorCore
import LessorCrypto
import LessorHTTP
import LessorIdentity
import LessorTestSupport
import Logging
import Testing

@Suite("Broker HTTP API: health, readiness, whoami")
struct BrokerServerTests {
    let clock = TestClock()

    private func verifier(for issuer: TestIssuer) throws -> TokenVerifier {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try TokenVerifier(configurations: [issuer.configuration()], clock: clock.wallClock, logger: logger)
    }

    /// The response body as a JSON object; empty when it is not one, which fails the expectations.
    private func json(_ buffer: ByteBuffer) -> [String: JSONValue] {
        guard case .object(let object) = try? JSONParser.parse(Array(buffer.readableBytesView)) else { return [:] }
        return object
    }

    @Test("whoami answers the verified identity")
    func whoamiAnswersIdentity() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let app = Application(router: BrokerServer.router(verifier: try verifier(for: issuer)))
            let token = try issuer.mint()
            try await app.test(.router) { client in
                try await client.execute(uri: "/v1/whoami", method: .post, headers: [.authorization: "Bearer \(token)"])
                {
                    #expect($0.status == .ok)
                    let body = json($0.body)
                    #expect(body["subject"] == .string("system:serviceaccount:tenant-acme:app"))
                    #expect(body["issuer"] == .string(issuer.url))
                    #expect(body["kid"] == .string(issuer.key(.rs256).id))
                    #expect(body["algorithm"] == .string("RS256"))
                    #expect(body["kubernetes"]?["namespace"] == .string("tenant-acme"))
                    #expect(body["kubernetes"]?["service_account"]?["name"] == .string("app"))
                    #expect(body["expires_at"]?.stringValue?.hasSuffix("Z") == true)
                }
            }
        }
    }

    @Test("whoami answers the binding and tenant, or why there is none")
    func whoamiAnswersBinding() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let store = PolicyBundleStore(try Self.bundle(issuer: issuer.url))
            let app = Application(router: BrokerServer.router(verifier: try verifier(for: issuer), policies: store))
            let bound = try issuer.mint(issuer.claims(namespace: "tenant-acme", serviceAccount: "app-web"))
            let unbound = try issuer.mint(issuer.claims(namespace: "tenant-umbrella", serviceAccount: "app-web"))
            try await app.test(.router) { client in
                try await client.execute(uri: "/v1/whoami", method: .post, headers: [.authorization: "Bearer \(bound)"])
                {
                    #expect($0.status == .ok)
                    let binding = json($0.body)["binding"]
                    #expect(binding?["name"] == .string("apps"))
                    #expect(binding?["tenant"] == .string("acme"))
                    #expect(binding?["tenant_class"] == .string("basic"))
                }
                try await client.execute(
                    uri: "/v1/whoami", method: .post, headers: [.authorization: "Bearer \(unbound)"]
                ) {
                    #expect($0.status == .ok)
                    let binding = json($0.body)["binding"]
                    #expect(binding?["tenant"] == nil)
                    #expect(binding?["reason"]?.stringValue?.contains("not declared") == true)
                }
                try await client.execute(uri: "/v1/ready", method: .get) {
                    #expect(json($0.body)["policy"]?["state"] == .string("loaded"))
                    #expect(json($0.body)["policy"]?["digest"] == .string(store.status.digest))
                }
            }
        }
    }

    static func bundle(issuer: String) throws -> PolicyBundle {
        let location = SourceLocation(file: "test", line: 1)
        let basic = TenantClass(
            name: "basic", defaultTTL: .seconds(900), maxTTL: .seconds(3600), engines: ["token"],
            residency: ["eu-west-1"],
            auditRetentionDays: 30, requestsPerSecond: 5, burst: 10, maxLeases: 10, isolation: .pooled,
            location: location)
        let path = try PathPattern.parse("token/audiences/*", global: false).get()
        let policy = Policy(
            name: "app", scope: .tenant,
            rules: [Policy.Rule(path: path, capabilities: [.read], maxTTL: nil, location: location)], location: location
        )
        let binding = RoleBinding(
            name: "apps", issuer: issuer, audiences: [],
            boundClaims: [ClaimPath("kubernetes.io.namespace"): [ClaimGlob("tenant-*")]],
            tenant: .template(claim: ClaimPath("kubernetes.io.namespace"), template: "tenant-{tenant}"),
            policies: ["app"],
            maxTokenAge: nil, location: location)
        return try PolicyBundle.validate(
            classes: [basic],
            tenants: [
                TenantDeclaration(id: "acme", className: "basic", residency: nil, policies: [], location: location)
            ],
            bindings: [binding], policies: [policy], digest: "test-digest", commit: nil
        ).get()
    }

    @Test("whoami without a bearer token is 401 unauthenticated")
    func whoamiWithoutToken() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let app = Application(router: BrokerServer.router(verifier: try verifier(for: issuer)))
            try await app.test(.router) { client in
                for headers: HTTPFields in [[:], [.authorization: "Basic dXNlcjpwYXNz"], [.authorization: "Bearer"]] {
                    try await client.execute(uri: "/v1/whoami", method: .post, headers: headers) {
                        #expect($0.status == .unauthorized)
                        #expect($0.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                        #expect(json($0.body)["error"]?["code"] == .string("unauthenticated"))
                    }
                }
            }
        }
    }

    @Test("whoami with a forged token is 401 with its code, and the body never echoes the token")
    func whoamiForged() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let app = Application(router: BrokerServer.router(verifier: try verifier(for: issuer)))
            let parts = try issuer.mint().split(separator: ".")
            let forged = "\(parts[0]).\(parts[1]).\(Base64URL.encode(SecureRandom.bytes(count: 256)))"
            try await app.test(.router) { client in
                try await client.execute(
                    uri: "/v1/whoami", method: .post, headers: [.authorization: "Bearer \(forged)"]
                ) {
                    #expect($0.status == .unauthorized)
                    let text = String(buffer: $0.body)
                    #expect(json($0.body)["error"]?["code"] == .string("signature_invalid"))
                    #expect(json($0.body)["error"]?["request_id"]?.stringValue?.isEmpty == false)
                    #expect(!text.contains(String(parts[1])))
                    #expect(!text.contains(String(parts[2].prefix(40))))
                }
            }
        }
    }

    @Test("An unreachable issuer is 503 issuer_unavailable, and readiness says so")
    func issuerDown() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            issuer.setMode(.failing(status: 502))
            let app = Application(router: BrokerServer.router(verifier: try verifier(for: issuer)))
            let token = try issuer.mint()
            try await app.test(.router) { client in
                try await client.execute(uri: "/v1/whoami", method: .post, headers: [.authorization: "Bearer \(token)"])
                {
                    #expect($0.status == .serviceUnavailable)
                    #expect(json($0.body)["error"]?["code"] == .string("issuer_unavailable"))
                }
                try await client.execute(uri: "/v1/ready", method: .get) {
                    #expect($0.status == .serviceUnavailable)
                    let body = json($0.body)
                    #expect(body["status"] == .string("not_ready"))
                    guard case .array(let issuers) = body["issuers"] else {
                        Issue.record("no issuers")
                        return
                    }
                    #expect(issuers.first?["state"] == .string("not_loaded"))
                    #expect(issuers.first?["last_error"]?.stringValue?.contains("HTTP 502") == true)
                }
            }
        }
    }

    @Test("Health always answers; readiness turns ready once keys are loaded")
    func healthAndReadiness() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try verifier(for: issuer)
            let app = Application(router: BrokerServer.router(verifier: verifier))
            try await app.test(.router) { client in
                try await client.execute(uri: "/v1/health", method: .get) { #expect($0.status == .ok) }
                try await client.execute(uri: "/v1/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
                for cache in verifier.keySets { await cache.refresh() }
                try await client.execute(uri: "/v1/ready", method: .get) {
                    #expect($0.status == .ok)
                    #expect(json($0.body)["status"] == .string("ready"))
                }
            }
        }
    }

    @Test("The broker serves whoami over TLS on loopback to a real libcurl client")
    func liveTLS() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try verifier(for: issuer)
            try await LoopbackServer.with(
                responder: BrokerServer.router(verifier: verifier).buildResponder(),
                tls: try DevelopmentCertificates.serverTLS()
            ) { server in
                let token = try issuer.mint(key: issuer.key(.edDSA))
                let http = CurlHTTPClient()
                let response = try await http.send(
                    CurlRequest(
                        url: "\(server.baseURL)/v1/whoami", method: .post,
                        headers: [(name: "Authorization", value: "Bearer \(token)")],
                        caBundlePath: DevelopmentCertificates.caPath, totalTimeout: .seconds(60)))
                #expect(response.status == 200)
                guard case .object(let body) = try JSONParser.parse(response.body) else { return }
                #expect(body["algorithm"] == .string("EdDSA"))
                let untrusted = await failureCode {
                    _ = try await http.send(CurlRequest(url: "\(server.baseURL)/v1/health"))
                }
                #expect(untrusted == .upstreamFailure)
            }
        }
    }
}

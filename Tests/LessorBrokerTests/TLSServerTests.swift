import CurlClient
import Foundation
import Glibc
import LessorCore
import LessorTestSupport
import Testing

/// `lessor server` over TLS: HTTPS only outside loopback, certificate reload on SIGHUP, optional
/// mTLS that admin bindings can require, and the reason every admin action is audited with. Every
/// certificate is made with `openssl` for the test; connections are made with libcurl and
/// `openssl s_client`.
@Suite("TLS, certificate reload, mTLS for admins, admin reasons (real lessor server)")
struct TLSServerTests {
    /// The fixture's admin binding, made to require a client certificate naming admin.lessor.test.
    static let mutualTLSBundle = ServerProcess.bundle.replacingOccurrences(
        of: "    global_role: admin\n",
        with:
            "    global_role: admin\n    require_client_certificate: true\n    client_certificate_names: [admin.lessor.test]\n"
    )

    /// `lessor server --check-config` on a configuration with `server` as its `server:` section.
    static func checkConfig(server: String, jwks: String, policies: String, in root: String) async throws
        -> ChildProcess.Result
    {
        let file = "\(root)/check.yaml"
        try """
        server: \(server)
        issuers:
          - {issuer: \(StaticIssuer.url), jwks_file: \(jwks), audiences: [lessor], algorithms: [RS256]}
        policies: \(policies)
        data_dir: \(root)/data
        """.write(toFile: file, atomically: true, encoding: .utf8)
        return try await ChildProcess.run(
            try LessorExecutable.url().path, ["server", "--check-config", "--config", file])
    }

    @Test("--check-config refuses plain HTTP unless the address is loopback and the opt-out is explicit")
    func plainHTTPNeedsLoopbackAndOptOut() async throws {
        try await withRoot { root in
            let issuer = try StaticIssuer()
            let jwks = try issuer.writeJWKS(to: "\(root)/jwks.json")
            let policies = try ServerProcess.writePolicies(into: root)
            let cases: [(server: String, refusal: String?)] = [
                ("{address: 0.0.0.0, port: 8200}", "server.tls: lessor server serves HTTPS only"),
                ("{address: 127.0.0.1, port: 8200}", "server.tls: lessor server serves HTTPS only"),
                (
                    "{address: 0.0.0.0, port: 8200, tls: {disabled_for_loopback: true}}",
                    "plain HTTP is allowed only on a loopback address, not 0.0.0.0"
                ),
                ("{address: 127.0.0.1, port: 8200, tls: {disabled_for_loopback: true}}", nil),
            ]
            for (server, refusal) in cases {
                let result = try await Self.checkConfig(server: server, jwks: jwks, policies: policies, in: root)
                if let refusal {
                    #expect(result.status != 0, "\(server) must be refused")
                    #expect(result.errors.contains(refusal), "\(server): \(result.errors)")
                } else {
                    #expect(result.status == 0, "\(server): \(result.errors)")
                }
            }
        }
    }

    @Test("--check-config refuses a binding that requires a client certificate when no client CA verifies one")
    func clientCertificateRequirementNeedsClientCA() async throws {
        try await withRoot { root in
            let issuer = try StaticIssuer()
            let jwks = try issuer.writeJWKS(to: "\(root)/jwks.json")
            let policies = try ServerProcess.writePolicies(into: root, bundle: Self.mutualTLSBundle)
            let result = try await Self.checkConfig(
                server: "{address: 127.0.0.1, port: 8200, tls: {disabled_for_loopback: true}}", jwks: jwks,
                policies: policies, in: root)
            #expect(result.status != 0, "an admin binding no request could satisfy must not start")
            #expect(result.errors.contains("bundle.yaml:"), "\(result.errors)")
            #expect(result.errors.contains("requires a client certificate, but this server verifies none"))
            #expect(result.errors.contains("server.tls.client_ca"))
        }
    }

    @Test(
        "lessor server stops before opening anything, and --check-config refuses, when the certificate or the client CA does not load"
    )
    func unreadableTLSFilesStopStartUp() async throws {
        try await withRoot { root in
            let certificates = try TestCertificates(directory: "\(root)/tls")
            let authority = try await certificates.authority("server-ca")
            let server = try await certificates.leaf("server", signedBy: authority)
            let junk = try write("junk\n", to: "\(root)/junk.pem")
            let issuer = try StaticIssuer()
            let jwks = try issuer.writeJWKS(to: "\(root)/jwks.json")
            let policies = try ServerProcess.writePolicies(into: root)
            let cases = [
                ("{certificate_chain: \(junk), private_key: \(server.key)}", "holds no PEM certificate"),
                ("{certificate_chain: \(server.certificate), private_key: \(authority.key)}", "does not fit"),
                (tlsSettings(server, clientCA: junk), "server.tls.client_ca: \(junk) holds no PEM certificate"),
            ]
            for (tls, refusal) in cases {
                let file = try write(
                    """
                    server: {address: 127.0.0.1, port: 0, tls: \(tls)}
                    issuers:
                      - {issuer: \(StaticIssuer.url), jwks_file: \(jwks), audiences: [lessor], algorithms: [RS256]}
                    policies: \(policies)
                    data_dir: \(root)/data
                    """, to: "\(root)/server.yaml")
                let result = try await ChildProcess.run(try LessorExecutable.url().path, ["server", "--config", file])
                #expect(result.status != 0)
                #expect(result.errors.contains(refusal), "\(result.errors)")
                #expect(!FileManager.default.fileExists(atPath: "\(root)/data"), "nothing is opened before TLS loads")
                let check = try await ChildProcess.run(
                    try LessorExecutable.url().path, ["server", "--check-config", "--config", file])
                #expect(check.status != 0, "--check-config loads the TLS files too")
                #expect(check.errors.contains(refusal), "\(check.errors)")
            }
        }
    }

    @Test("HTTPS answers a client trusting the right CA; another CA and plain HTTP are refused")
    func httpsOnly() async throws {
        try await withRoot { root in
            let certificates = try TestCertificates(directory: "\(root)/tls")
            let authority = try await certificates.authority("server-ca")
            let server = try await certificates.leaf("server", signedBy: authority)
            let stranger = try await certificates.authority("stranger-ca")
            try await withServer(root: root, tls: tlsSettings(server), caBundle: authority.certificate) { broker, _ in
                let ready = try await broker.server.endpoint.call("/v1/ready", token: nil)
                #expect(ready.status == 200)
                #expect(ready.json?["components"]?["tls"]?["state"]?.stringValue == "loaded")
                let wrongCA = HTTPEndpoint(address: broker.server.address, caBundle: stranger.certificate)
                await #expect(throws: LessorError.self) { try await wrongCA.call("/v1/health", token: nil) }
                let plain = HTTPEndpoint(address: "http://127.0.0.1:\(broker.server.port)")
                let answer = try? await plain.call("/v1/health", token: nil)
                #expect(answer == nil || answer?.status != 200, "plain HTTP to the TLS port must not be served")
            }
        }
    }

    @Test("SIGHUP swaps the served certificate; a bad one is refused, logged, shown in /v1/ready, the old one stays")
    func certificateReload() async throws {
        try await withRoot { root in
            let certificates = try TestCertificates(directory: "\(root)/tls")
            let authority = try await certificates.authority("server-ca")
            let first = try await certificates.leaf("first", signedBy: authority)
            let second = try await certificates.leaf("second", signedBy: authority)
            let serving = TestCertificates.Pair(
                certificate: "\(root)/tls/serving.pem", key: "\(root)/tls/serving-key.pem")
            try copy(first, to: serving)
            let firstPrint = try await TestCertificates.fingerprint(ofFile: first.certificate)
            let secondPrint = try await TestCertificates.fingerprint(ofFile: second.certificate)
            try await withServer(root: root, tls: tlsSettings(serving), caBundle: authority.certificate) { broker, _ in
                let server = broker.server
                #expect(try await TestCertificates.servedFingerprint(port: server.port) == firstPrint)

                try copy(second, to: serving)
                kill(server.processIdentifier, SIGHUP)
                try await waitForTLS(server) { $0["fingerprint_sha256"]?.stringValue == secondPrint }
                #expect(try await TestCertificates.servedFingerprint(port: server.port) == secondPrint)

                try "not a certificate\n".write(toFile: serving.certificate, atomically: true, encoding: .utf8)
                kill(server.processIdentifier, SIGHUP)
                let refused = try await waitForTLS(server) { $0["state"]?.stringValue == "reload_refused" }
                #expect(refused["fingerprint_sha256"]?.stringValue == secondPrint)
                #expect(refused["last_failure"]?.stringValue?.contains("holds no PEM certificate") == true)
                #expect(try await TestCertificates.servedFingerprint(port: server.port) == secondPrint)
                #expect(try await server.endpoint.call("/v1/ready", token: nil).status == 200)
                #expect(server.logTail().contains("TLS certificate REFUSED"))

                try copy(TestCertificates.Pair(certificate: first.certificate, key: second.key), to: serving)
                kill(server.processIdentifier, SIGHUP)
                let mismatched = try await waitForTLS(server) {
                    $0["last_failure"]?.stringValue?.contains("does not fit") == true
                }
                #expect(mismatched["fingerprint_sha256"]?.stringValue == secondPrint)
                #expect(try await TestCertificates.servedFingerprint(port: server.port) == secondPrint)
            }
        }
    }

    @Test(
        "A Secret renewed the way the kubelet does it (its ..data link swapped, no signal) is served within reload_interval"
    )
    func certificateFilesAreWatched() async throws {
        try await withRoot { root in
            let certificates = try TestCertificates(directory: "\(root)/tls")
            let authority = try await certificates.authority("server-ca")
            let first = try await certificates.leaf("first", signedBy: authority)
            let second = try await certificates.leaf("second", signedBy: authority)
            let secret = "\(root)/secret"
            // A Secret volume: tls.crt and tls.key link into ..data, itself a link to a dated directory.
            func publish(_ pair: TestCertificates.Pair, as version: String) throws {
                let directory = "\(secret)/..\(version)"
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try copy(
                    pair, to: TestCertificates.Pair(certificate: "\(directory)/tls.crt", key: "\(directory)/tls.key"))
                try FileManager.default.createSymbolicLink(
                    atPath: "\(secret)/..data_tmp", withDestinationPath: "..\(version)")
                #expect(rename("\(secret)/..data_tmp", "\(secret)/..data") == 0)
            }
            try publish(first, as: "2026_11_25_01")
            for name in ["tls.crt", "tls.key"] {
                try FileManager.default.createSymbolicLink(
                    atPath: "\(secret)/\(name)", withDestinationPath: "..data/\(name)")
            }
            let serving = TestCertificates.Pair(certificate: "\(secret)/tls.crt", key: "\(secret)/tls.key")
            let tls = "{certificate_chain: \(serving.certificate), private_key: \(serving.key), reload_interval: 1s}"
            let secondPrint = try await TestCertificates.fingerprint(ofFile: second.certificate)
            try await withServer(root: root, tls: tls, caBundle: authority.certificate) { broker, _ in
                let server = broker.server
                #expect(try await TestCertificates.servedFingerprint(port: server.port) != secondPrint)
                try publish(second, as: "2026_11_25_02")
                try await waitForTLS(server) { $0["fingerprint_sha256"]?.stringValue == secondPrint }
                #expect(try await TestCertificates.servedFingerprint(port: server.port) == secondPrint)
            }
        }
    }

    @Test("An admin binding requiring mTLS: refused without a client certificate, with another CA's or a wrong name")
    func mutualTLSForAdmins() async throws {
        try await withRoot { root in
            let certificates = try TestCertificates(directory: "\(root)/tls")
            let authority = try await certificates.authority("server-ca")
            let server = try await certificates.leaf("server", signedBy: authority)
            let clientCA = try await certificates.authority("client-ca")
            let admin = try await certificates.leaf("admin", signedBy: clientCA, clientName: "admin.lessor.test")
            let misnamed = try await certificates.leaf("misnamed", signedBy: clientCA, clientName: "ops.lessor.test")
            let otherCA = try await certificates.authority("other-ca")
            let forged = try await certificates.leaf("forged", signedBy: otherCA, clientName: "admin.lessor.test")
            let adminPrint = try await TestCertificates.fingerprint(ofFile: admin.certificate)
            let settings = tlsSettings(server, clientCA: clientCA.certificate)
            let records = try await withServer(
                root: root, tls: settings, caBundle: authority.certificate, bundle: Self.mutualTLSBundle
            ) { broker, issuer in
                let token = try issuer.subject("platform-admin")
                let reason = [("X-Lessor-Reason", "contract ended")]
                func offboard(_ client: TestCertificates.Pair?, headers: [(String, String)]) async throws
                    -> HTTPEndpoint.Reply
                {
                    let endpoint = HTTPEndpoint(
                        address: broker.server.address, caBundle: authority.certificate,
                        clientCertificate: client.map { (certificate: $0.certificate, key: $0.key) })
                    return try await endpoint.send(
                        "/v1/tenants/acme/offboard", token: token,
                        headers: headers + [("Content-Type", "application/json")],
                        body: Array("{}".utf8))
                }

                let workload = try await broker.server.endpoint.exchange(try issuer.workload("acme"))
                #expect(workload.status == 200, "non-admin traffic needs no client certificate")

                let bare = try await offboard(nil, headers: reason)
                #expect(bare.status == 403)
                #expect(bare.errorCode == "permission_denied")
                let wrongName = try await offboard(misnamed, headers: reason)
                #expect(wrongName.status == 403)
                let stranger = try? await offboard(forged, headers: reason)
                #expect(stranger == nil || stranger?.status == 403, "another CA's certificate fails the handshake")

                let unexplained = try await offboard(admin, headers: [])
                #expect(unexplained.status == 400)
                #expect(unexplained.errorCode == "request_invalid")
                #expect(unexplained.json?["error"]?["message"]?.stringValue?.contains("X-Lessor-Reason") == true)

                let done = try await offboard(admin, headers: reason)
                #expect(done.status == 200, "\(done.text)")
                #expect(done.json?["tenant_id"]?.stringValue == "acme")

                let cli = try await ChildProcess.run(
                    try LessorExecutable.url().path,
                    [
                        "tenant", "offboard", "globex", "--reason", "merged into acme", "--address",
                        broker.server.address, "--cacert", authority.certificate, "--token-file",
                        try write(token, to: "\(root)/admin.token"), "--client-cert", admin.certificate,
                        "--client-key", admin.key,
                    ])
                #expect(cli.status == 0, "\(cli.errors)")
                let cliBare = try await ChildProcess.run(
                    try LessorExecutable.url().path,
                    [
                        "tenant", "offboard", "globex", "--reason", "again", "--address", broker.server.address,
                        "--cacert", authority.certificate, "--token-file", "\(root)/admin.token",
                    ])
                #expect(cliBare.status != 0)
                #expect(cliBare.errors.contains("permission_denied"), "\(cliBare.errors)")
                let cliKeyOnly = try await ChildProcess.run(
                    try LessorExecutable.url().path,
                    [
                        "tenant", "offboard", "globex", "--reason", "again", "--address", broker.server.address,
                        "--cacert", authority.certificate, "--token-file", "\(root)/admin.token", "--client-key",
                        admin.key,
                    ])
                #expect(cliKeyOnly.status != 0)
                #expect(cliKeyOnly.errors.contains("--client-key (or LESSOR_CLIENT_KEY) needs --client-cert"))
            }

            let offboardDenials = records.filter {
                $0["event"]?.stringValue == "tenant.offboard" && $0["decision"]?.stringValue == "deny"
            }
            let certificateDenials = offboardDenials.filter {
                $0["reason"]?.stringValue?.contains("client certificate") == true
            }
            #expect(certificateDenials.count == 3, "no certificate, the wrong name, and the CLI without one")
            #expect(certificateDenials.allSatisfy { $0["subject"]?["sub"]?.stringValue == "platform-admin" })
            let missingReason = try #require(
                offboardDenials.first { $0["reason"]?.stringValue?.contains("need a reason") == true })
            #expect(missingReason["subject"]?["sub"]?.stringValue == "platform-admin")
            #expect(missingReason["details"]?["client_certificate_sha256"]?.stringValue == adminPrint)

            let granted = records.filter {
                $0["event"]?.stringValue == "tenant.offboard" && $0["decision"]?.stringValue == "allow"
            }
            let acme = try #require(granted.first { $0["tenant_id"]?.stringValue == "acme" })
            #expect(acme["reason"]?.stringValue == "contract ended")
            #expect(acme["subject"]?["sub"]?.stringValue == "platform-admin")
            #expect(acme["details"]?["requested_by"]?.stringValue == "platform-admin")
            #expect(acme["details"]?["client_certificate_sha256"]?.stringValue == adminPrint)
            let globex = try #require(granted.first { $0["tenant_id"]?.stringValue == "globex" })
            #expect(globex["reason"]?.stringValue == "merged into acme")
        }
    }

    // MARK: - helpers

    private func tlsSettings(_ pair: TestCertificates.Pair, clientCA: String? = nil) -> String {
        "{certificate_chain: \(pair.certificate), private_key: \(pair.key)\(clientCA.map { ", client_ca: \($0)" } ?? "")}"
    }

    private func copy(_ pair: TestCertificates.Pair, to target: TestCertificates.Pair) throws {
        for (from, to) in [(pair.certificate, target.certificate), (pair.key, target.key)] {
            try FileManager.default.contentsOfFile(from).write(toFile: to)
        }
    }

    private func write(_ text: String, to path: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Polls `/v1/ready` until the TLS component satisfies `done` (each SIGHUP is handled
    /// asynchronously); gives up after 60 s with the last answer.
    @discardableResult
    private func waitForTLS(_ server: ServerProcess, until done: ([String: JSONValue]) -> Bool) async throws
        -> [String: JSONValue]
    {
        var last: [String: JSONValue] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let ready = try await server.endpoint.call("/v1/ready", token: nil)
            last = ready.json?["components"]?["tls"]?.objectValue ?? [:]
            if done(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the TLS component never reached the expected state: \(last)")
        return last
    }

    /// A scratch directory, removed afterwards.
    private func withRoot<T>(_ body: (String) async throws -> T) async throws -> T {
        let root = NSTemporaryDirectory() + "lessor-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: root) }
        return try await body(root)
    }

    /// Runs a TLS `lessor server` for `body`, stops it, and returns its audit records.
    @discardableResult
    private func withServer(
        root: String, tls: String, caBundle: String, bundle: String = ServerProcess.bundle,
        _ body: (BrokerUnderTest, StaticIssuer) async throws -> Void
    ) async throws -> [[String: JSONValue]] {
        let issuer = try StaticIssuer()
        let policies = "\(root)/policies"
        try FileManager.default.createDirectory(atPath: policies, withIntermediateDirectories: true)
        try bundle.write(toFile: "\(policies)/bundle.yaml", atomically: true, encoding: .utf8)
        let server = try ServerProcess(
            name: "broker", root: root, jwksFile: try issuer.writeJWKS(to: "\(root)/jwks.json"), policies: policies,
            tls: (tls, caBundle))
        try await withCleanup {
            try await server.start()
            try await body(BrokerUnderTest(issuer: issuer, server: server), issuer)
        } cleanup: {
            await server.stop()
        }
        return try server.auditRecords()
    }
}

extension FileManager {
    fileprivate func contentsOfFile(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }
}

extension String {
    fileprivate func write(toFile path: String) throws {
        try write(toFile: path, atomically: true, encoding: .utf8)
    }
}

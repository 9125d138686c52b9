import Foundation
import LessorTestSupport
import Testing

/// `lessor audit verify` on the log of a broker that is still running: the records written since
/// the last checkpoint are counted, not reported as tampering; `--strict` refuses them, and once
/// the broker stops cleanly its closing checkpoint vouches for them.
@Suite("Verifying a running broker's log")
struct LiveLogVerifyTests {
    @Test("a live log verifies with its unvouched tail counted; --strict refuses it until the closing checkpoint")
    func liveLog() async throws {
        let root = NSTemporaryDirectory() + "lessor-live-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let issuer = try StaticIssuer()
        let broker = try ServerProcess(
            name: "broker", root: root, jwksFile: try issuer.writeJWKS(to: "\(root)/jwks.json"),
            policies: try ServerProcess.writePolicies(into: root),
            extra: """
                audit:
                  checkpoint_every: 1000
                  checkpoint_interval: 1h
                """)
        try await broker.start()
        let token = try issuer.workload("acme")
        for _ in 0..<5 {
            let reply = try await broker.endpoint.call("/v1/creds/token/audiences/app", token: token, json: [:])
            try #require(reply.status == 200, "\(reply.text)")
        }
        let lessor = try LessorExecutable.url().path
        let verify = [
            "audit", "verify", "\(broker.dataDirectory)/audit/log", "--public-key",
            "\(broker.dataDirectory)/audit/keys/public-key.json",
        ]
        let live = try await ChildProcess.run(lessor, verify)
        let report = String(decoding: live.output, as: UTF8.self)
        #expect(live.status == 0, "\(report)\(live.errors)")
        #expect(
            report.hasPrefix("OK: 6 records") && report.contains("NOTE: 5 record(s) after the last checkpoint"),
            "\(report)")
        #expect(!report.contains("FAILED"))
        let strict = try await ChildProcess.run(lessor, verify + ["--strict"])
        #expect(strict.status == 1, "\(String(decoding: strict.output, as: UTF8.self))")

        #expect(await broker.stop() == 0)
        let closed = try await ChildProcess.run(lessor, verify + ["--strict"])
        let closedReport = String(decoding: closed.output, as: UTF8.self)
        #expect(closed.status == 0, "\(closedReport)")
        #expect(closedReport.hasPrefix("OK: 7 records") && !closedReport.contains("NOTE"), "\(closedReport)")
    }
}

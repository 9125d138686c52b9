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
        let live = try await broker.verifyAudit()
        #expect(live.status == 0, "\(live.report)")
        #expect(
            live.report.hasPrefix("OK: 6 records")
                && live.report.contains("NOTE: 5 record(s) after the last checkpoint"), "\(live.report)")
        #expect(!live.report.contains("FAILED"))
        let strict = try await broker.verifyAudit(["--strict"])
        #expect(strict.status == 1, "\(strict.report)")

        #expect(await broker.stop() == 0)
        let closed = try await broker.verifyAudit(["--strict"])
        #expect(closed.status == 0, "\(closed.report)")
        #expect(closed.report.hasPrefix("OK: 7 records") && !closed.report.contains("NOTE"), "\(closed.report)")
    }
}

import Foundation
import LessorAudit
import LessorCore
import LessorTestSupport
import Synchronization
import Testing

@Suite("Graceful shutdown of a real broker process", .serialized)
struct GracefulShutdownTests {
    @Test(
        "SIGTERM during a burst: exit status 0, every answered credential has a grant record, the log ends on a checkpoint"
    )
    func shutdownLosesNoAcknowledgedRecord() async throws {
        try await BrokerUnderTest.run { broker in
            let token = try broker.issuer.workload("acme")
            let endpoint = broker.endpoint
            let answered = CrashSafetyTests.Answered()
            let burst = Task {
                await withTaskGroup(of: Void.self) { group in
                    for _ in 0..<8 {
                        group.addTask {
                            while !Task.isCancelled {
                                guard let reply = try? await endpoint.exchange(token) else { return }
                                if reply.status == 200, let id = reply.json?["lease_id"]?.stringValue {
                                    answered.add(id)
                                }
                            }
                        }
                    }
                }
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while answered.ids.count < 50 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try #require(answered.ids.count >= 50, "the broker answered \(answered.ids.count) exchanges in 60 s")

            let status = await broker.server.stop()
            burst.cancel()
            await burst.value
            #expect(status == 0, "SIGTERM in the middle of a burst still ends the server with status 0")

            let keys = "\(broker.server.dataDirectory)/audit/keys"
            let hasher = try AuditFieldHasher(keyFile: "\(keys)/hash.key")
            let records = try broker.server.auditRecords()
            let granted = Set(
                records.filter { $0["event"]?.stringValue == "grant" }.compactMap { $0["lease_id"]?.stringValue })
            let missing = answered.ids.filter { !granted.contains(hasher.hash($0)) }
            #expect(missing.isEmpty, "\(missing.count) of \(answered.ids.count) answered leases have no grant record")
            #expect(records.last?["event"]?.stringValue == "checkpoint", "the closed log ends on a signed checkpoint")

            let directory = "\(broker.server.dataDirectory)/audit/log"
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".jsonl") }.sorted().map { "\(directory)/\($0)" }
            let outcome = try AuditLogVerifier.verify(
                files: files, publicKey: try AuditPublicKey(file: "\(keys)/public-key.json"))
            #expect(outcome.finding == nil, "\(String(describing: outcome.finding))")
        }
    }
}

import Foundation
import LessorAudit
import LessorCore
import LessorSQLite
import LessorTestSupport
import Synchronization
import Testing

@Suite("Crash safety with a real broker process", .serialized)
struct CrashSafetyTests {
    @Test(
        "SIGKILL during a burst: every answered credential has a lease and a grant record; unanswered intents are revoked"
    )
    func killedBrokerLosesNothing() async throws {
        let directory = NSTemporaryDirectory() + "lessor-crash-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broker = try await DevBrokerProcess(dataDirectory: directory)
        defer { broker.process.stopDetached(grace: .seconds(1)) }
        let token = try broker.token()
        let endpoint = broker.endpoint
        let answered = Answered()
        let burst = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        while !Task.isCancelled {
                            guard
                                let (status, body) = try? await endpoint.call(
                                    "/v1/creds/token/audiences/app", token: token, json: [:])
                            else { return }
                            if status == 200, let id = body?.objectValue?["lease_id"]?.stringValue {
                                answered.add(id)
                            }
                        }
                    }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while answered.ids.count < 200 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(answered.ids.count >= 200, "the broker answered \(answered.ids.count) exchanges in 60 s")
        await broker.kill()
        burst.cancel()
        await burst.value
        let acknowledged = answered.ids

        let restarted = try await DevBrokerProcess(dataDirectory: directory, port: broker.port)
        defer { restarted.process.stopDetached(grace: .seconds(30)) }
        let store = try SQLiteLeaseStore.open(path: "\(directory)/lessor.sqlite")
        for id in acknowledged {
            #expect(try await store.lease(id: id, tenantID: "acme")?.state == .active, "answered lease \(id) is live")
        }
        var pending = try await Self.pendingCount(store)
        var polls = 0
        while pending > 0 && polls < 200 {
            try await Task.sleep(for: .milliseconds(100))
            pending = try await Self.pendingCount(store)
            polls += 1
        }
        #expect(pending == 0, "every intent never answered is revoked after restart")

        await restarted.stop()
        let keys = "\(directory)/audit/keys"
        let hasher = try AuditFieldHasher(keyFile: "\(keys)/hash.key")
        let logDirectory = "\(directory)/audit/log"
        let files = try FileManager.default.contentsOfDirectory(atPath: logDirectory).filter { $0.hasSuffix(".jsonl") }
            .sorted().map { "\(logDirectory)/\($0)" }
        let text = try files.map { try String(contentsOfFile: $0, encoding: .utf8) }.joined()
        for id in acknowledged {
            #expect(text.contains("\"lease_id\":\"\(hasher.hash(id))\""), "answered lease \(id) has a grant record")
        }
        let outcome = try AuditLogVerifier.verify(
            files: files, publicKey: try AuditPublicKey(file: "\(keys)/public-key.json"))
        #expect(outcome.finding == nil)
    }

    /// Lease ids the broker answered, collected by the burst's tasks.
    final class Answered: Sendable {
        private let state = Mutex<[String]>([])
        var ids: [String] { state.withLock { $0 } }
        func add(_ id: String) { state.withLock { $0.append(id) } }
    }

    static func pendingCount(_ store: SQLiteLeaseStore) async throws -> Int {
        var count = 0
        var cursor: String?
        while true {
            let page = try await store.leases(tenantID: "acme", binding: nil, after: cursor, limit: 1000)
            count += page.filter { $0.state == .pending }.count
            guard let last = page.last, page.count == 1000 else { return count }
            cursor = last.id
        }
    }
}

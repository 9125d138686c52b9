import Foundation
import LessorAudit
import LessorBroker
import LessorCore
import LessorSQLite
import LessorTestSupport
import Logging
import Testing

@Suite("The audit log's anchor in the lease store")
struct AuditAnchorKeeperTests {
    private static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    private static func hash(_ digit: Character) -> String { String(repeating: digit, count: 64) }

    @Test("Positions reach the store only after reconcile, in order; the newest wins, and flush waits for them")
    func advances() async throws {
        let fixture = try BrokerFixture()
        let keeper = AuditAnchorKeeper(log: "node-a", store: fixture.store, logger: Self.logger)
        for sequence in 1...20 { keeper.advance(to: AuditAnchor(sequence: sequence, hash: Self.hash("a"))) }
        await keeper.flush()
        #expect(try await fixture.store.auditAnchor(log: "node-a") == nil, "nothing is stored before reconcile")
        try await keeper.reconcile(logEnd: nil, audit: fixture.audit, acceptingRollbackBecause: nil)
        await keeper.flush()
        #expect(try await fixture.store.auditAnchor(log: "node-a") == AuditAnchor(sequence: 20, hash: Self.hash("a")))
        for sequence in 21...50 { keeper.advance(to: AuditAnchor(sequence: sequence, hash: Self.hash("a"))) }
        keeper.advance(to: AuditAnchor(sequence: 7, hash: Self.hash("b")))
        await keeper.flush()
        #expect(try await fixture.store.auditAnchor(log: "node-a") == AuditAnchor(sequence: 50, hash: Self.hash("a")))
        #expect(try await fixture.store.auditAnchor(log: "node-b") == nil)
        await fixture.cleanUp()
    }

    @Test("A log behind its anchor stops start-up, naming both positions")
    func refusesRollback() async throws {
        let fixture = try BrokerFixture()
        let keeper = AuditAnchorKeeper(log: "node-a", store: fixture.store, logger: Self.logger)
        let anchor = AuditAnchor(sequence: 120, hash: Self.hash("c"))
        try await fixture.store.recordAuditAnchor(anchor, log: "node-a", rewinding: false, at: fixture.clock.now)
        let cases: [AuditAnchor?] = [
            nil, AuditAnchor(sequence: 119, hash: Self.hash("d")), AuditAnchor(sequence: 120, hash: Self.hash("e")),
        ]
        for logEnd in cases {
            let error = await #expect(throws: LessorError.self) {
                try await keeper.reconcile(logEnd: logEnd, audit: fixture.audit, acceptingRollbackBecause: nil)
            }
            #expect(error?.code == .auditInvalid)
            #expect(error?.message.contains("sequence 120 (hash \(Self.hash("c")))") == true)
            if let logEnd { #expect(error?.message.contains("ends at sequence \(logEnd.sequence)") == true) }
        }
        try await keeper.reconcile(
            logEnd: AuditAnchor(sequence: 121, hash: Self.hash("f")), audit: fixture.audit,
            acceptingRollbackBecause: nil)
        await fixture.cleanUp()
    }

    @Test("Accepting a rollback is audited with both positions and the anchor restarts there")
    func acceptedRollbackIsAudited() async throws {
        let fixture = try BrokerFixture()
        let keeper = AuditAnchorKeeper(log: "node-a", store: fixture.store, logger: Self.logger)
        let anchor = AuditAnchor(sequence: 900, hash: Self.hash("c"))
        try await fixture.store.recordAuditAnchor(anchor, log: "node-a", rewinding: false, at: fixture.clock.now)
        try await keeper.reconcile(
            logEnd: nil, audit: fixture.audit, acceptingRollbackBecause: "restored from last night's backup")
        let accepted = try #require(
            try await fixture.auditRecords().first { $0["event"]?.stringValue == "admin.audit_rollback_accepted" })
        #expect(accepted["reason"]?.stringValue == "restored from last night's backup")
        #expect(accepted["details"]?["anchor"]?.stringValue == anchor.description)
        #expect(accepted["details"]?["log_end"]?.stringValue == "empty")
        let stored = try #require(try await fixture.store.auditAnchor(log: "node-a"))
        #expect(stored.sequence == Int(accepted["seq"]?.numberValue ?? 0))
        await fixture.cleanUp()
    }

    @Test("Anchor text is SEQ:HASH, strictly")
    func anchorText() throws {
        let anchor = try AuditAnchor(text: "42:\(Self.hash("0"))")
        #expect(anchor == AuditAnchor(sequence: 42, hash: Self.hash("0")))
        #expect(anchor.description == "42:\(Self.hash("0"))")
        for text in [
            "", "42", ":\(Self.hash("0"))", "0:\(Self.hash("0"))", "-1:\(Self.hash("0"))", "42:\(Self.hash("A"))",
            "42:abc", "42:\(Self.hash("0")):1", " 42:\(Self.hash("0"))", "99999999999999999999:\(Self.hash("0"))",
        ] {
            #expect(throws: LessorError.self, "\(text)") { try AuditAnchor(text: text) }
        }
    }
}

import Foundation
import LessorCore
import Testing

@testable import LessorAudit

@Suite("Concurrent appends")
struct AuditConcurrencyTests {
    @Test("Many concurrent writers get distinct sequences, and the file holds whole lines in strict order")
    func manyWriters() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        let log = try fixture.open(fixture.configuration(checkpointEvery: 100))
        let receipts = try await withThrowingTaskGroup(of: [AuditReceipt].self) { group in
            for writer in 0..<64 {
                group.addTask {
                    var mine: [AuditReceipt] = []
                    for index in 0..<40 {
                        mine.append(
                            try await log.append(AuditFixture.grant(tenant: "tenant-\(writer % 5)", index: index)))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        await log.close()
        #expect(receipts.count == 64 * 40)
        #expect(Set(receipts.map(\.sequence)).count == receipts.count)

        var sequences: [Int] = []
        for segment in try fixture.segments() {
            for line in try AuditFixture.lines(segment) {
                sequences.append(try AuditFixture.sequence(of: line))
            }
        }
        #expect(sequences == Array(1...sequences.count))
        let logged = Set(sequences)
        #expect(receipts.allSatisfy { logged.contains($0.sequence) })
        #expect(try fixture.verify().finding == nil)
    }

    @Test("Appends after close are refused as audit_unavailable")
    func closedLogRefuses() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        let log = try fixture.open()
        await log.close()
        await #expect(throws: LessorError(.auditUnavailable, "")) {
            try await log.append(AuditFixture.grant(tenant: "acme", index: 0))
        }
        #expect(!log.health().isRecording)
    }
}

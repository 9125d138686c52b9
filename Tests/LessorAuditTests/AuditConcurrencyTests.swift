import Foundation
import LessorCore
import Synchronization
import Testing

@testable import LessorAudit

@Suite("Concurrent appends")
struct AuditConcurrencyTests {
    @Test("Batched appends beside single ones: each caller gets its own receipts, and batch sizes count every record")
    func batchedAppends() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        let batched = Mutex(0)
        var configuration = fixture.configuration(checkpointEvery: 1000)
        configuration.onBatch = { batch in batched.withLock { $0 += batch.entries } }
        let log = try fixture.open(configuration)
        let receipts = try await withThrowingTaskGroup(of: [AuditReceipt].self) { group in
            for writer in 0..<16 {
                group.addTask {
                    if writer.isMultiple(of: 2) {
                        return try await log.append(
                            contentsOf: (0..<25).map { AuditFixture.grant(tenant: "tenant-\(writer)", index: $0) })
                    }
                    return [try await log.append(AuditFixture.grant(tenant: "tenant-\(writer)", index: 0))]
                }
            }
            return try await group.reduce(into: [[AuditReceipt]]()) { $0.append($1) }
        }
        for mine in receipts where mine.count > 1 {
            #expect(
                mine.map(\.sequence) == Array(mine[0].sequence..<(mine[0].sequence + mine.count)), "in order, together")
        }
        let all = receipts.flatMap { $0 }
        #expect(all.count == 8 * 25 + 8)
        #expect(Set(all.map(\.sequence)).count == all.count)
        let refused = await #expect(throws: LessorError.self) {
            _ = try await log.append(contentsOf: [
                AuditEntry(event: .checkpoint, scope: .global("audit"), requestID: "r")
            ])
        }
        #expect(refused?.code == .requestInvalid)
        await log.close()
        #expect(batched.withLock { $0 } == all.count, "every record appended counts in a batch")
        #expect(try fixture.verify().finding == nil)
    }

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

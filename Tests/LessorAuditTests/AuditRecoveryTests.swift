import Foundation
import LessorCore
import Testing

@testable import LessorAudit

@Suite("Start-up recovery")
struct AuditRecoveryTests {
    private func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    @Test("A torn last line is cut at start-up and the chain continues after the last sound record")
    func tornLineIsCut() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 8)
        let segment = try #require(try fixture.segments().last)
        let before = try AuditFixture.lines(segment)
        try append(#"{"decision":"allow","event":"grant","hash":"12"#, to: segment)

        let log = try fixture.open()
        #expect(log.health().lastSequence == before.count)
        let receipt = try await log.append(AuditFixture.grant(tenant: "acme", index: 100))
        #expect(receipt.sequence == before.count + 1)
        await log.close()
        let after = try AuditFixture.lines(segment)
        #expect(Array(after.prefix(before.count)) == before)
        #expect(try fixture.verify().finding == nil)
    }

    @Test("Tenant chains continue across a restart")
    func tenantChainsContinue() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 7, checkpointEvery: 3)
        let log = try fixture.open()
        _ = try await log.append(AuditFixture.grant(tenant: "acme", index: 50))
        _ = try await log.append(AuditFixture.grant(tenant: "umbrella", index: 1))
        await log.close()
        #expect(try fixture.verify().finding == nil)
        let lines = try AuditFixture.lines(try #require(try fixture.segments().last))
        let acme = lines.filter { $0.contains(#""tenant_id":"acme""#) }
        #expect(acme.last?.contains(#""tenant_seq":5"#) == true)
    }

    @Test("A damaged record followed by sound ones is corruption, and start-up refuses it")
    func corruptionInTheMiddleStopsStartUp() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 8)
        let segment = try #require(try fixture.segments().last)
        var lines = try AuditFixture.lines(segment)
        lines[4] = lines[4].replacingOccurrences(of: "billing", with: "payroll")
        try AuditFixture.writeLines(lines, to: segment)
        #expect(throws: LessorError(.auditInvalid, "")) { try fixture.open() }
    }

    @Test("Segments rotate by size, each starts with a checkpoint, and retention may drop the oldest")
    func rotationAndRetention() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        let log = try fixture.open(fixture.configuration(checkpointEvery: 4, maxSegmentBytes: 4096))
        for index in 0..<40 { _ = try await log.append(AuditFixture.grant(tenant: "acme", index: index)) }
        await log.close()
        let segments = try fixture.segments()
        #expect(segments.count >= 3)
        for segment in segments {
            let first = try #require(try AuditFixture.lines(segment).first)
            #expect(first.contains(#""event":"checkpoint""#))
            #expect(segment.hasSuffix(AuditSegments.name(firstSequence: try AuditFixture.sequence(of: first))))
        }
        #expect(try fixture.verify().finding == nil)
        try FileManager.default.removeItem(atPath: segments[0])
        #expect(try fixture.verify().finding == nil)
        try FileManager.default.removeItem(atPath: segments[2])
        #expect(try fixture.verify().finding?.kind == .deleted)
    }

    @Test("Retention deletes old segments only once every tenant's records in them are past their class's retention")
    func retentionPerTenant() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        let log = try fixture.open(fixture.configuration(checkpointEvery: 4, maxSegmentBytes: 4096))
        for index in 0..<30 {
            _ = try await log.append(AuditFixture.grant(tenant: index < 12 ? "shortlived" : "regulated", index: index))
        }
        await log.close()
        let segments = try fixture.segments()
        let regulatedBefore = try segments.flatMap { try AuditFixture.lines($0) }
            .filter { $0.contains(#""tenant_id":"regulated""#) }
        let later = Date().addingTimeInterval(3600)
        let keepAll = AuditRetention(
            tenants: ["shortlived": .seconds(60), "regulated": .seconds(86_400 * 365)], defaultTenant: .seconds(86_400),
            global: .seconds(60))
        #expect(try keepAll.prune(directory: fixture.logDirectory, now: Date()).isEmpty)

        let deleted = try keepAll.prune(directory: fixture.logDirectory, now: later)
        #expect(!deleted.isEmpty)
        #expect(deleted == Array(segments.prefix(deleted.count)))
        let remaining = try fixture.segments()
        let firstRemaining = try AuditFixture.lines(try #require(remaining.first))
        #expect(firstRemaining.contains { $0.contains(#""tenant_id":"regulated""#) })
        let regulatedAfter = try remaining.flatMap { try AuditFixture.lines($0) }
            .filter { $0.contains(#""tenant_id":"regulated""#) }
        #expect(regulatedAfter == regulatedBefore)
        #expect(try fixture.verify().finding == nil)
    }
}

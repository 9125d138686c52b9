import Foundation
import LessorCore
import Testing

@testable import LessorAudit

@Suite("Verifying a log finds tampering")
struct AuditTamperTests {
    /// 24 grants with a checkpoint every 5: checkpoints at 1, 7, 13, 19, 25, 31 (closing).
    private func tamper(
        finalNewline: Bool = true, _ change: (inout [String]) throws -> Void
    ) async throws -> AuditFinding? {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 24)
        let segment = try #require(try fixture.segments().first)
        var lines = try AuditFixture.lines(segment)
        try change(&lines)
        try AuditFixture.writeLines(lines, to: segment)
        if !finalNewline {
            try String(try String(contentsOfFile: segment, encoding: .utf8).dropLast())
                .write(toFile: segment, atomically: true, encoding: .utf8)
        }
        return try fixture.verify().finding
    }

    @Test("An untouched log verifies and ends on a checkpoint")
    func intactLogVerifies() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 24)
        let outcome = try fixture.verify()
        #expect(outcome.finding == nil)
        #expect(outcome.summary.records == 30)
        #expect(outcome.summary.lastCheckpoint?.sequence == 30)
    }

    @Test("Changing any one byte of a record is reported as modified at that sequence")
    func oneByteChanged() async throws {
        for position in stride(from: 0, to: 400, by: 37) {
            let finding = try await tamper { lines in
                var bytes = Array(lines[9].utf8)
                let index = position % bytes.count
                bytes[index] = bytes[index] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
                lines[9] = String(decoding: bytes, as: UTF8.self)
            }
            #expect(finding?.kind == .modified, "byte \(position)")
            #expect(finding?.sequence == 10, "byte \(position)")
        }
    }

    @Test("A deleted record is reported as deleted with its sequence")
    func recordDeleted() async throws {
        let finding = try await tamper { lines in lines.remove(at: 9) }
        #expect(finding?.kind == .deleted)
        #expect(finding?.sequence == 10)
    }

    @Test("Two swapped records are reported as reordered")
    func recordsSwapped() async throws {
        let finding = try await tamper { lines in lines.swapAt(9, 10) }
        #expect(finding?.kind == .reordered)
        #expect(finding?.sequence == 10)
    }

    @Test("A forged record with a correct hash, inserted in the chain, is reported as inserted")
    func forgedRecordInserted() async throws {
        let finding = try await tamper { lines in
            guard case .success(let (previous, _)) = AuditLine.open(Array(lines[8].utf8)[...]) else { return }
            var forged = AuditRecord(
                sequence: 10, time: previous.time, event: .grant, scope: .tenant("acme"), prevHash: previous.hash!)
            forged.tenantSequence = 99
            forged.tenantPrevHash = AuditRecord.zeroHash
            let line = Self.sealedLine(&forged).dropLast()
            lines.insert(String(decoding: line, as: UTF8.self), at: 9)
        }
        #expect(finding?.kind == .inserted)
        #expect(finding?.sequence == 10)
    }

    @Test("A forged record with a sequence from elsewhere is reported as inserted, not reordered")
    func strayRecordInserted() async throws {
        let finding = try await tamper { lines in lines.insert(lines[3], at: 9) }
        #expect(finding?.kind == .inserted)
    }

    @Test("A file cut inside a line is reported as truncated")
    func truncatedMidLine() async throws {
        let finding = try await tamper(finalNewline: false) { lines in
            lines = Array(lines.prefix(15))
            lines[14] = String(lines[14].prefix(40))
        }
        #expect(finding?.kind == .truncated)
        #expect(finding?.sequence == 15)
    }

    @Test("A file cut between lines verifies as a live log would, with its unvouched records counted")
    func truncatedAtLine() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 24)
        let segment = try #require(try fixture.segments().first)
        try AuditFixture.writeLines(Array(try AuditFixture.lines(segment).prefix(16)), to: segment)
        let outcome = try fixture.verify()
        #expect(outcome.finding == nil)
        #expect(outcome.summary.unvouchedRecords == 3)
        #expect(outcome.summary.lastCheckpoint?.sequence == 13)
    }

    @Test("With the anchor, a log cut back to an earlier checkpoint or inside a segment is a rollback")
    func cutBehindTheAnchor() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 24)
        let segment = try #require(try fixture.segments().first)
        let lines = try AuditFixture.lines(segment)
        let last = try #require(lines.last)
        guard case .success(let (end, _)) = AuditLine.open(Array(last.utf8)[...]) else {
            Issue.record("the last line is not a record")
            return
        }
        let anchor = AuditAnchor(sequence: end.sequence, hash: try #require(end.hash))
        let whole = try AuditLogVerifier.verify(files: [segment], publicKey: fixture.publicKey, anchor: anchor)
        #expect(whole.finding == nil && whole.summary.anchorChecked)
        for keep in [6, 18, 20, lines.count - 1] {
            try AuditFixture.writeLines(Array(lines.prefix(keep)), to: segment)
            let finding = try AuditLogVerifier.verify(files: [segment], publicKey: fixture.publicKey, anchor: anchor)
                .finding
            #expect(finding?.kind == .rolledBack, "kept \(keep) records")
            #expect(finding?.detail.contains("ends at sequence \(keep)") == true, "\(finding?.detail ?? "")")
        }
        let other = AuditAnchor(sequence: end.sequence, hash: String(repeating: "a", count: 64))
        try AuditFixture.writeLines(lines, to: segment)
        let replaced = try AuditLogVerifier.verify(files: [segment], publicKey: fixture.publicKey, anchor: other)
        #expect(replaced.finding?.kind == .rolledBack)
    }

    @Test("A checkpoint whose content was changed and rehashed has a bad signature")
    func forgedCheckpoint() async throws {
        let finding = try await tamper { lines in
            guard case .success(var (checkpoint, _)) = AuditLine.open(Array(lines[12].utf8)[...]) else { return }
            #expect(checkpoint.isCheckpoint)
            checkpoint.time = AuditTimestamp.format(Date(timeIntervalSince1970: 0))
            lines[12] = String(decoding: Self.sealedLine(&checkpoint).dropLast(), as: UTF8.self)
        }
        #expect(finding?.kind == .badCheckpointSignature)
        #expect(finding?.sequence == 13)
    }

    @Test("A checkpoint signed with another key has a bad signature")
    func checkpointFromAnotherKey() async throws {
        let intruder = try AuditSigningKey(seed: [UInt8](repeating: 7, count: 32))
        let finding = try await tamper { lines in
            guard case .success(var (checkpoint, _)) = AuditLine.open(Array(lines[12].utf8)[...]) else { return }
            AuditCheckpoint.sign(&checkpoint, heads: checkpoint.tenantHeads ?? [:], key: intruder)
            lines[12] = String(decoding: Self.sealedLine(&checkpoint).dropLast(), as: UTF8.self)
        }
        #expect(finding?.kind == .badCheckpointSignature)
        #expect(finding?.sequence == 13)
    }

    @Test("A record rewritten with a fresh hash is caught by the checkpoint after it")
    func rewrittenRecordBreaksAtCheckpoint() async throws {
        let finding = try await tamper { lines in
            guard case .success(var (record, _)) = AuditLine.open(Array(lines[11].utf8)[...]) else { return }
            record.path = "aws/roles/admin"
            lines[11] = String(decoding: Self.sealedLine(&record).dropLast(), as: UTF8.self)
        }
        #expect(finding?.kind == .inserted)
        #expect(finding?.sequence == 13)
    }

    /// `record` sealed (its `hash` set) as the line a writer appends, newline included.
    static func sealedLine(_ record: inout AuditRecord) -> [UInt8] {
        var line: [UInt8] = []
        AuditRecordEncoder.seal(&record, into: &line)
        return line
    }
}

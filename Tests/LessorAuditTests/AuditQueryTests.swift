import Foundation
import LessorCore
import Testing

@testable import LessorAudit

@Suite("Query and field hashing")
struct AuditQueryTests {
    private func run(_ query: AuditQuery, _ fixture: AuditFixture) throws -> [String] {
        var lines: [String] = []
        try query.run(files: fixture.segments()) { lines.append(String(decoding: $0, as: UTF8.self)) }
        return lines
    }

    @Test("Query filters by tenant, event, subject and time")
    func filters() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 12, tenants: ["acme", "globex", "acme-two"])
        #expect(try run(AuditQuery(tenantID: "acme"), fixture).count == 4)
        #expect(try run(AuditQuery(events: ["checkpoint"]), fixture).count == 4)
        #expect(try run(AuditQuery(events: ["grant"], subject: "system:serviceaccount:app:globex"), fixture).count == 4)
        #expect(try run(AuditQuery(since: "2000-01-01", until: "2001-01-01"), fixture).isEmpty)
        #expect(try run(AuditQuery(since: "2000-01-01"), fixture).count == 16)
    }

    @Test("A time window skips segments that end before it and stops after it, across segments")
    func timeWindowAcrossSegments() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        let log = try fixture.open(fixture.configuration(checkpointEvery: 4, maxSegmentBytes: 4096))
        for index in 0..<30 { _ = try await log.append(AuditFixture.grant(tenant: "acme", index: index)) }
        await log.close()
        let all = try run(AuditQuery(), fixture)
        let times = try all.map { line in
            guard case .success(let (record, _)) = AuditLine.open(Array(line.utf8)[...]) else {
                throw LessorError(.auditInvalid, "bad line")
            }
            return record.time
        }
        let since = times[20]
        let until = times[26]
        let window = try run(AuditQuery(since: since, until: until), fixture)
        #expect(window == zip(all, times).filter { $0.1 >= since && $0.1 < until }.map(\.0))
        #expect(!window.isEmpty)
    }

    @Test("Lease and token ids appear only as keyed hashes, which `hash` reproduces")
    func identifiersAreHashed() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 4)
        let text = try String(contentsOfFile: try fixture.segments()[0], encoding: .utf8)
        #expect(!text.contains("lease-acme-0"))
        #expect(!text.contains("jti-acme-0"))
        #expect(text.contains(fixture.hasher.hash("lease-acme-0")))
        #expect(text.contains(fixture.hasher.hash("jti-acme-0")))
        let other = try AuditFieldHasher(key: [UInt8](repeating: 1, count: 32))
        #expect(other.hash("lease-acme-0") != fixture.hasher.hash("lease-acme-0"))
    }

    @Test("Canonical JSON sorts members, escapes only what JSON requires, and writes integers plainly")
    func canonicalForm() {
        let value: JSONValue = .object([
            "b": .number(900), "a": .string("line\nbreak \"quoted\" \u{01} é"), "c": .array([.bool(true), .null]),
        ])
        let text = String(decoding: AuditCanonicalJSON.encode(value), as: UTF8.self)
        #expect(text == #"{"a":"line\nbreak \"quoted\" \u0001 é","b":900,"c":[true,null]}"#)
    }

    @Test("Timestamps are fixed width UTC and read back to the same instant")
    func timestamps() throws {
        let date = Date(timeIntervalSince1970: 1_764_000_000.5)
        let text = AuditTimestamp.format(date)
        #expect(text == "2025-11-24T16:00:00.500000Z")
        let parsed = try #require(AuditTimestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince(date)) < 0.000_001)
        #expect(AuditTimestamp.bound("2025-11-24T10:00Z") == "2025-11-24T10:00")
        #expect(AuditTimestamp.bound("yesterday") == nil)
    }
}

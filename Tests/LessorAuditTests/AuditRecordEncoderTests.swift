import LessorCore
import Testing

@testable import LessorAudit

@Suite("Sealing a record writes its canonical JSON")
struct AuditRecordEncoderTests {
    /// The line as the generic encoder writes it from `record.json()`, and its hash.
    private func reference(_ record: AuditRecord) -> (line: [UInt8], hash: String) {
        let hash = AuditLine.hash(of: record.json(includingHash: false))
        var sealed = record
        sealed.hash = hash
        return (AuditCanonicalJSON.encode(.object(sealed.json())) + [UInt8(ascii: "\n")], hash)
    }

    private func check(_ record: AuditRecord) {
        var sealed = record
        var out: [UInt8] = Array("previous line\n".utf8)
        AuditRecordEncoder.seal(&sealed, into: &out)
        let expected = reference(record)
        #expect(sealed.hash == expected.hash)
        #expect(Array(out.dropFirst(14)) == expected.line)
        if case .success(let (opened, _)) = AuditLine.open(out.dropFirst(14).dropLast()) {
            #expect(opened == sealed)
        } else {
            Issue.record("the sealed line does not open")
        }
    }

    @Test func minimalRecords() {
        check(
            AuditRecord(
                sequence: 1, time: "2026-11-24T10:00:00.000000Z", event: .grant, scope: .global("admin"),
                prevHash: AuditRecord.zeroHash))
        var tenant = AuditRecord(
            sequence: 8_999_999_999_999_999, time: "2026-11-24T10:00:00.000001Z", event: .deny,
            scope: .tenant("acme"), prevHash: AuditRecord.zeroHash)
        tenant.tenantSequence = 1
        tenant.tenantPrevHash = AuditRecord.zeroHash
        check(tenant)
    }

    /// Every member set, with text that needs escaping.
    static func everyMember() throws -> AuditRecord {
        var record = AuditRecord(
            sequence: 42, time: "2026-11-24T10:00:00.123456Z", event: try .action("tenant", "offboard"),
            scope: .tenant("t\u{1}\"\\é"), prevHash: String(repeating: "a", count: 64))
        record.requestID = "req \n\t\r\u{8}\u{c}\u{1f}"
        record.subject = AuditEntry.Subject(issuer: "https://issuer/\"x\"", subject: "system:sa:ns:äpp")
        record.binding = "workloads"
        record.path = "token/audiences/app"
        record.leaseID = "mac:0123"
        record.tokenID = "mac:4567"
        record.ttlSeconds = 3600
        record.decision = .allow
        record.reason = "tenant offboarded 🚀"
        record.policyDigest = "sha256:abc"
        record.policyCommit = "0123abcd"
        record.details = ["zeta": "1", "a": "2", "é": "3", "engine": "token", "Z": "5", "": "6"]
        record.tenantSequence = 7
        record.tenantPrevHash = String(repeating: "b", count: 64)
        return record
    }

    /// A checkpoint with two tenant heads.
    static func checkpoint() -> AuditRecord {
        var record = AuditRecord(
            sequence: 100, time: "2026-11-24T10:00:00.000000Z", event: .checkpoint, scope: .global("audit"),
            prevHash: String(repeating: "c", count: 64))
        record.keyID = "key-1"
        record.signature = "c2lnbmF0dXJl"
        record.tenantHeads = [
            String(repeating: "d", count: 64): .init(sequence: 3, hash: String(repeating: "e", count: 64)),
            String(repeating: "1", count: 64): .init(sequence: 12, hash: String(repeating: "f", count: 64)),
        ]
        record.headsSeed = String(repeating: "9", count: 64)
        return record
    }

    @Test(
        "the records checked here set every property of AuditRecord: one added later fails this test until it is covered"
    )
    func everyPropertyIsCovered() throws {
        let known: Set<String> = [
            "sequence", "time", "event", "scope", "requestID", "subject", "binding", "path", "leaseID", "tokenID",
            "ttlSeconds", "decision", "reason", "policyDigest", "policyCommit", "details", "tenantSequence",
            "tenantPrevHash", "prevHash", "hash", "keyID", "signature", "tenantHeads", "headsSeed",
        ]
        let records = [try Self.everyMember(), Self.checkpoint()]
        #expect(
            Set(Mirror(reflecting: records[0]).children.compactMap(\.label)) == known,
            "AuditRecord's properties changed: set the new one in everyMember() or checkpoint(), and add it here")
        for property in known.subtracting(["hash"]) {
            let set = records.contains { record in
                guard let value = Mirror(reflecting: record).children.first(where: { $0.label == property })?.value
                else { return false }
                let mirror = Mirror(reflecting: value)
                return mirror.displayStyle != .optional || !mirror.children.isEmpty
            }
            #expect(set, "\(property) is set in none of the records checked")
        }
    }

    @Test func everyMemberWithTextThatNeedsEscaping() throws {
        var record = try Self.everyMember()
        check(record)
        record.ttlSeconds = 0
        record.details = ["engine": "token"]
        check(record)
    }

    @Test func checkpoints() {
        var record = Self.checkpoint()
        check(record)
        record.tenantHeads = [:]
        check(record)
    }
}

import Foundation
import LessorCore
import Testing

@testable import LessorAudit

@Suite("Tenant export")
struct AuditExportTests {
    private func export(_ fixture: AuditFixture, tenant: String = "acme") throws -> String {
        let directory = "\(fixture.root)/export-\(tenant)"
        _ = try AuditTenantExport.write(
            files: fixture.segments(), tenantID: tenant, hasher: fixture.hasher, publicKey: fixture.publicKey,
            to: directory)
        return directory
    }

    private func verify(_ fixture: AuditFixture, _ directory: String) throws -> AuditExportVerifier.Outcome {
        try AuditExportVerifier.verify(directory: directory, publicKey: fixture.publicKey, hasher: fixture.hasher)
    }

    @Test("An export holds only its tenant's records and verifies complete up to the last checkpoint")
    func exportVerifies() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 40, tenants: ["acme", "globex", "initech"])
        let directory = try export(fixture)
        let outcome = try verify(fixture, directory)
        #expect(outcome.finding == nil)
        #expect(outcome.summary.records == 14)
        #expect(outcome.summary.labelChecked)
        let records = try AuditFixture.lines("\(directory)/records.jsonl")
        #expect(records.count == 14)
        #expect(records.allSatisfy { $0.contains(#""tenant_id":"acme""#) })
    }

    @Test("No file of an export names another tenant, its subjects or its hashed identifiers")
    func exportHidesOtherTenants() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 40, tenants: ["acme", "globex", "initech"])
        let directory = try export(fixture)
        var exported = ""
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            exported += try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)
        }
        let foreign = [
            "globex", "initech", fixture.hasher.hash("lease-globex-1"), fixture.hasher.hash("jti-initech-2"),
        ]
        for identifier in foreign { #expect(!exported.contains(identifier), "\(identifier)") }
        #expect(exported.contains("acme"))
    }

    @Test("Removing one record from an export is detected")
    func removedRecordDetected() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 40, tenants: ["acme", "globex", "initech"])
        let directory = try export(fixture)
        let path = "\(directory)/records.jsonl"
        let lines = try AuditFixture.lines(path)
        for index in [0, 6, lines.count - 1] {
            var edited = lines
            edited.remove(at: index)
            try AuditFixture.writeLines(edited, to: path)
            let finding = try verify(fixture, directory).finding
            #expect(finding?.kind == .deleted, "record \(index)")
        }
    }

    @Test("An export with a record of another tenant slipped in is rejected")
    func foreignRecordDetected() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 20, tenants: ["acme", "globex"])
        let directory = try export(fixture)
        let foreign = try AuditFixture.lines(try fixture.segments()[0]).first { $0.contains(#""tenant_id":"globex""#) }
        var lines = try AuditFixture.lines("\(directory)/records.jsonl")
        lines.insert(try #require(foreign), at: 1)
        try AuditFixture.writeLines(lines, to: "\(directory)/records.jsonl")
        #expect(try verify(fixture, directory).finding?.kind == .foreignRecord)
    }

    @Test("A checkpoint in an export whose tenant head was changed fails")
    func forgedExportCheckpoint() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        try await fixture.writeLog(count: 20, tenants: ["acme", "globex"])
        let directory = try export(fixture)
        let path = "\(directory)/checkpoints.jsonl"
        var lines = try AuditFixture.lines(path)
        lines[lines.count - 1] = lines[lines.count - 1].replacingOccurrences(of: #""seq":10"#, with: #""seq":9"#)
        try AuditFixture.writeLines(lines, to: path)
        let kind = try verify(fixture, directory).finding?.kind
        #expect(kind == .checkpointMismatch || kind == .badCheckpointSignature)
    }
}

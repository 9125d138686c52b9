import Foundation
import LessorCore
import Testing

@testable import LessorAudit

@Suite("Failing closed")
struct AuditFailClosedTests {
    /// A log directory whose first segment is `/dev/full`: every write fails with ENOSPC.
    private func fullDevice(_ fixture: AuditFixture, name: String) throws -> String {
        let directory = "\(fixture.root)/\(name)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    private func pointFirstSegmentAtDevFull(_ directory: String) throws {
        try FileManager.default.createSymbolicLink(
            atPath: "\(directory)/\(AuditSegments.name(firstSequence: 1))", withDestinationPath: "/dev/full")
    }

    @Test("With its only file device on /dev/full, an append fails with audit_unavailable and readiness shows it")
    func devFullFailsClosed() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        let directory = try fullDevice(fixture, name: "full")
        let log = try fixture.open(
            fixture.configuration(devices: [
                .file(directory: directory, maxSegmentBytes: 1 << 20, maxSegmentAge: .seconds(3600))
            ]))
        try pointFirstSegmentAtDevFull(directory)
        #expect(log.health().isRecording)
        let error = await #expect(throws: LessorError.self) {
            try await log.append(AuditFixture.grant(tenant: "acme", index: 0))
        }
        #expect(error?.code == .auditUnavailable)
        #expect(error?.message.contains("No space left on device") == true)
        let health = log.health()
        #expect(!health.isRecording)
        #expect(health.devices.first?.state == .failed)
        #expect(health.devices.first?.lastError?.contains("No space left on device") == true)
        #expect(health.lastSequence == 0)
        await #expect(throws: LessorError(.auditUnavailable, "")) {
            try await log.append(AuditFixture.grant(tenant: "acme", index: 1))
        }
        await log.close()
    }

    @Test("When one of two devices fails, appends still succeed on the other and the failure is visible")
    func oneDeviceOfTwoFails() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        let directory = try fullDevice(fixture, name: "full")
        let log = try fixture.open(
            fixture.configuration(devices: [
                .file(directory: directory, maxSegmentBytes: 1 << 20, maxSegmentAge: .seconds(3600)),
                .file(directory: fixture.logDirectory),
            ]))
        try pointFirstSegmentAtDevFull(directory)
        let receipt = try await log.append(AuditFixture.grant(tenant: "acme", index: 0))
        #expect(receipt.sequence == 2)
        let health = log.health()
        #expect(health.isRecording)
        #expect(health.devices.map(\.state) == [.failed, .recording])
        await log.close()
        #expect(try fixture.verify().finding == nil)
    }
}

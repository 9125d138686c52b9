import Foundation
import Glibc
import LessorCore
import LessorTestSupport
import Testing

@testable import LessorAudit

@Suite("Crash safety with a real process")
struct AuditCrashTests {
    /// Reads from `descriptor` until at least `count` lines are in, or the end.
    private static func readText(_ descriptor: Int32, lines count: Int) -> String {
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while text.utf8.count(where: { $0 == UInt8(ascii: "\n") }) < count {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if got <= 0 { break }
            text += String(decoding: buffer[0..<got], as: UTF8.self)
        }
        return text
    }

    @Test("SIGKILL during a burst loses no acknowledged record, and the recovered chain verifies")
    func killedWriterLosesNothingAcknowledged() async throws {
        let fixture = try AuditFixture()
        defer { fixture.cleanUp() }
        let process = Process()
        process.executableURL = try LessorExecutable.url()
        process.arguments = [
            "audit", "burst", "--dir", fixture.logDirectory, "--keys", fixture.keyDirectory, "--count", "10000000",
            "--writers", "16", "--checkpoint-every", "40",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let descriptor = output.fileHandleForReading.fileDescriptor
        var text = try await onOwnThread { Self.readText(descriptor, lines: 600) }
        kill(process.processIdentifier, SIGKILL)
        await process.exited()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == SIGKILL)
        text += String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let complete = text.hasSuffix("\n") ? text : String(text[...(text.lastIndex(of: "\n") ?? text.startIndex)])
        let acknowledged = Set(complete.split(separator: "\n").compactMap { Int($0) })
        #expect(acknowledged.count >= 600)

        let log = try fixture.open(fixture.configuration(checkpointEvery: 40, maxSegmentBytes: 256 << 10))
        let resumed = try await log.append(AuditFixture.grant(tenant: "tenant-0", index: -1))
        await log.close()
        #expect(resumed.sequence > (acknowledged.max() ?? 0))

        var present = Set<Int>()
        for segment in try fixture.segments() {
            for line in try AuditFixture.lines(segment) { present.insert(try AuditFixture.sequence(of: line)) }
        }
        #expect(acknowledged.isSubset(of: present))
        let outcome = try fixture.verify()
        #expect(outcome.finding == nil)
        #expect(outcome.summary.lastSequence == resumed.sequence + 1)
    }
}

import Foundation
import LessorCore
import LessorSQLite
import LessorTestSupport
import Testing

/// A real `lessor server` whose audit log is cut back while it is stopped: to each earlier
/// checkpoint, inside a segment, or by deleting the newest segment. The lease store keeps the
/// log's anchor, so every cut stops start-up with both positions named, `lessor audit verify
/// --anchor` reports it, and only an operator's audited override starts the broker again.
@Suite("A log cut back behind its anchor", .serialized)
struct AuditRollbackTests {
    struct Line {
        let file: String
        let text: String
        let sequence: Int
        let hash: String
        let isCheckpoint: Bool
    }

    @Test("every cut is refused at start-up and by verify with the anchor; the override is audited")
    func rollbackMatrix() async throws {
        let root = NSTemporaryDirectory() + "lessor-rollback-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let issuer = try StaticIssuer()
        let jwks = try issuer.writeJWKS(to: "\(root)/jwks.json")
        let policies = try ServerProcess.writePolicies(into: root)
        func server() throws -> ServerProcess {
            let data = "\(root)/broker"
            return try ServerProcess(
                name: "broker", root: root, jwksFile: jwks, policies: policies,
                extra: """
                    audit:
                      log_name: rollback-test
                      checkpoint_every: 6
                      devices: [{type: file, directory: \(data)/audit/log, max_segment_bytes: 6000}]
                    """)
        }

        let first = try server()
        try await first.start()
        let token = try issuer.workload("acme")
        for _ in 0..<30 {
            let reply = try await first.endpoint.call("/v1/creds/token/audiences/app", token: token, json: [:])
            try #require(reply.status == 200, "\(reply.text)")
        }
        await first.stop()

        let logDirectory = "\(first.dataDirectory)/audit/log"
        let pristine = "\(root)/pristine-log"
        try FileManager.default.copyItem(atPath: logDirectory, toPath: pristine)
        let lines = try Self.lines(of: logDirectory)
        let last = try #require(lines.last)
        #expect(last.isCheckpoint, "a clean shutdown ends the log on a checkpoint")
        let anchor = try await SQLiteLeaseStore.open(path: "\(first.dataDirectory)/lessor.sqlite")
            .auditAnchor(log: "rollback-test")
        #expect(anchor == AuditAnchor(sequence: last.sequence, hash: last.hash), "the anchor is the log's last record")
        let lessor = try LessorExecutable.url().path
        let printed = try await ChildProcess.run(lessor, ["audit", "anchor", "--config", first.configurationFile])
        let anchorText = String(decoding: printed.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed.status == 0 && anchorText == "\(last.sequence):\(last.hash)", "\(printed.errors)")
        let anchorOption = ["--anchor", anchorText]
        let intact = try await first.verifyAudit(anchorOption)
        #expect(intact.status == 0, "\(intact.report)")
        let files = Set(lines.map(\.file)).sorted()
        try #require(files.count >= 3, "the log spans several segments: \(files)")

        var cuts: [(name: String, keep: Int)] = []
        for (index, line) in lines.enumerated().dropLast() where line.isCheckpoint {
            cuts.append(("to checkpoint \(line.sequence)", index + 1))
        }
        let newest = try #require(files.last)
        let firstOfNewest = try #require(lines.firstIndex { $0.file == newest })
        cuts.append(("newest segment deleted", firstOfNewest))
        let lastFile = lines.filter { $0.file == newest }
        cuts.append(("inside the newest segment", firstOfNewest + max(lastFile.count / 2, 1)))

        for cut in cuts {
            try Self.restore(pristine, to: logDirectory)
            try Self.cut(lines, keeping: cut.keep, in: logDirectory)
            let kept = lines[cut.keep - 1]
            let before = try Self.contents(of: logDirectory)
            let refused = try server()
            await #expect(throws: (any Error).self, "\(cut.name): the broker started on a cut log") {
                try await refused.start()
            }
            let log = refused.logTail()
            #expect(
                log.contains("ends at sequence \(kept.sequence)")
                    && log.contains("anchor says it reached sequence \(last.sequence) (hash \(last.hash))"),
                "\(cut.name): \(log)")
            await refused.stop()
            #expect(try Self.contents(of: logDirectory) == before, "\(cut.name): the refused start-up wrote to the log")
            let verified = try await first.verifyAudit(anchorOption)
            #expect(verified.status == 1, "\(cut.name): verify with the anchor passed: \(verified.report)")
            #expect(
                verified.report.contains("rolled back")
                    && verified.report.contains("ends at sequence \(kept.sequence)"),
                "\(cut.name): \(verified.report)")
            let unanchored = try await first.verifyAudit()
            #expect(unanchored.status == 0, "\(cut.name): an untampered prefix verifies without the anchor")
        }

        // The operator restored nothing and accepts the cut log: audited, then the anchor restarts.
        let overridden = try server()
        overridden.arguments = ["--accept-audit-rollback", "segment lost with the old volume; ticket OPS-1"]
        try await overridden.start()
        await overridden.stop()
        let accepted = try #require(
            try overridden.auditRecords().first { $0["event"]?.stringValue == "admin.audit_rollback_accepted" })
        #expect(accepted["reason"]?.stringValue == "segment lost with the old volume; ticket OPS-1")
        #expect(accepted["details"]?["anchor"]?.stringValue == "\(last.sequence):\(last.hash)")
        let again = try server()
        try await again.start()
        await again.stop()
    }

    /// Every record of the log, in order.
    static func lines(of directory: String) throws -> [Line] {
        var lines: [Line] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".jsonl") })
            .sorted()
        {
            let text = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
            for line in text.split(separator: "\n") {
                let record = try #require(try JSONParser.parse(Array(line.utf8)).objectValue)
                lines.append(
                    Line(
                        file: file, text: String(line), sequence: Int(try #require(record["seq"]?.numberValue)),
                        hash: try #require(record["hash"]?.stringValue),
                        isCheckpoint: record["event"]?.stringValue == "checkpoint"))
            }
        }
        return lines
    }

    /// Every segment's bytes, by file name.
    static func contents(of directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            files[name] = FileManager.default.contents(atPath: "\(directory)/\(name)")
        }
        return files
    }

    static func restore(_ pristine: String, to directory: String) throws {
        try FileManager.default.removeItem(atPath: directory)
        try FileManager.default.copyItem(atPath: pristine, toPath: directory)
    }

    /// Keeps the first `count` records: later lines go, and segments left empty are deleted.
    static func cut(_ lines: [Line], keeping count: Int, in directory: String) throws {
        let kept = lines.prefix(count)
        for file in Set(lines.map(\.file)) {
            let text = kept.filter { $0.file == file }.map { $0.text + "\n" }.joined()
            if text.isEmpty {
                try FileManager.default.removeItem(atPath: "\(directory)/\(file)")
            } else {
                try text.write(toFile: "\(directory)/\(file)", atomically: true, encoding: .utf8)
            }
        }
    }
}

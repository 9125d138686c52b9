import Foundation
import LessorCore
import Logging
import Testing

@testable import LessorAudit

/// A temporary directory with fresh audit keys, removed by `cleanUp`.
struct AuditFixture {
    let root: String
    let signingKey: AuditSigningKey
    let hasher: AuditFieldHasher
    let publicKeyPath: String
    let keyDirectory: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lessor-audit-\(UUID().uuidString)").path
        keyDirectory = "\(root)/keys"
        try FileManager.default.createDirectory(atPath: keyDirectory, withIntermediateDirectories: true)
        publicKeyPath = "\(keyDirectory)/public-key.json"
        try AuditSigningKey.createKeyFile(at: "\(keyDirectory)/signing.key", publicKeyPath: publicKeyPath)
        try AuditFieldHasher.createKeyFile(at: "\(keyDirectory)/hash.key")
        signingKey = try AuditSigningKey(keyFile: "\(keyDirectory)/signing.key")
        hasher = try AuditFieldHasher(keyFile: "\(keyDirectory)/hash.key")
    }

    var logDirectory: String { "\(root)/log" }
    var publicKey: AuditPublicKey { signingKey.publicKey }

    func cleanUp() { try? FileManager.default.removeItem(atPath: root) }

    static var quietLogger: Logger {
        Logger(label: "audit-test", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    func configuration(
        devices: [AuditLogConfiguration.Device]? = nil, checkpointEvery: Int = 5, maxSegmentBytes: Int = 64 << 20
    ) -> AuditLogConfiguration {
        AuditLogConfiguration(
            devices: devices
                ?? [.file(directory: logDirectory, maxSegmentBytes: maxSegmentBytes, maxSegmentAge: .seconds(86_400))],
            signingKey: signingKey, hasher: hasher, checkpointEveryRecords: checkpointEvery,
            checkpointInterval: .seconds(3600))
    }

    func open(_ configuration: AuditLogConfiguration? = nil) throws -> AuditLog {
        try AuditLog.open(configuration ?? self.configuration(), logger: Self.quietLogger)
    }

    static func grant(tenant: String, index: Int, subject: String = "system:serviceaccount:app") -> AuditEntry {
        AuditEntry(
            event: .grant, scope: .tenant(tenant), requestID: "req-\(tenant)-\(index)",
            subject: .init(issuer: "https://issuer.\(tenant).example", subject: "\(subject):\(tenant)"),
            binding: "\(tenant)-workloads", path: "token/audiences/billing", leaseID: "lease-\(tenant)-\(index)",
            tokenID: "jti-\(tenant)-\(index)", ttlSeconds: 900, decision: .allow, reason: "policy \(tenant)-read",
            policyDigest: "sha256:abc", policyCommit: "0123abc")
    }

    /// Writes `count` grants spread over `tenants` and closes the log (so it ends on a checkpoint).
    func writeLog(count: Int, tenants: [String] = ["acme", "globex"], checkpointEvery: Int = 5) async throws {
        let log = try open(configuration(checkpointEvery: checkpointEvery))
        for index in 0..<count {
            _ = try await log.append(Self.grant(tenant: tenants[index % tenants.count], index: index))
        }
        await log.close()
    }

    func segments() throws -> [String] { try AuditSegments.list(logDirectory) }

    /// The lines of a file, without newlines.
    static func lines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    static func writeLines(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    func verify() throws -> AuditLogVerifier.Outcome {
        try AuditLogVerifier.verify(files: segments(), publicKey: publicKey)
    }

    static func sequence(of line: String) throws -> Int {
        guard case .success(let (record, _)) = AuditLine.open(Array(line.utf8)[...]) else {
            throw LessorError(.auditInvalid, "not a record")
        }
        return record.sequence
    }
}

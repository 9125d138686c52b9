import Foundation
import LessorAudit
import LessorCore
import Logging

/// Durable audit records per second with 1, 16 and 64 concurrent writers on a file device, beside
/// the raw `fdatasync` rate of the same disk measured in the same run. Prints CSV:
/// `fdatasync,<syncs/s>` then `audit,<writers>,<records/s>`.
enum AuditBenchmark {
    static func run(seconds: Double) async throws {
        let arguments = CommandLine.arguments
        let directory = arguments.firstIndex(of: "--dir").map { arguments[$0 + 1] } ?? "bench/out"
        let root = "\(directory)/audit-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let signingKey = try AuditSigningKey(seed: SecureSeed.make())
        let hasher = try AuditFieldHasher(key: SecureSeed.make())
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

        print("fdatasync,\(Int(try AuditDiskProbe.fdatasyncRate(directory: root, seconds: seconds)))")
        for writers in [1, 16, 64] {
            let configuration = AuditLogConfiguration(
                devices: [.file(directory: "\(root)/log-\(writers)")], signingKey: signingKey, hasher: hasher)
            let log = try AuditLog.open(configuration, logger: logger)
            let clock = ContinuousClock()
            let deadline = clock.now + .milliseconds(Int(seconds * 1000))
            let start = clock.now
            let total = try await withThrowingTaskGroup(of: Int.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var count = 0
                        while clock.now < deadline {
                            _ = try await log.append(entry(writer: writer, index: count))
                            count += 1
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            let elapsed = (clock.now - start).components
            await log.close()
            let rate = Double(total) / (Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
            print("audit,\(writers),\(Int(rate))")
        }
    }

    private static func entry(writer: Int, index: Int) -> AuditEntry {
        AuditEntry(
            event: .grant, scope: .tenant("tenant-\(writer % 8)"), requestID: "req-\(writer)-\(index)",
            subject: .init(
                issuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
                subject: "system:serviceaccount:tenant-\(writer % 8):app"),
            binding: "kubernetes-workloads", path: "aws/roles/deployer", leaseID: "lease-\(writer)-\(index)",
            tokenID: "jti-\(writer)-\(index)", ttlSeconds: 900, decision: .allow, reason: "policy workloads-read",
            policyDigest: "sha256:5f1c0e", policyCommit: "c04657d")
    }
}

/// 32 random bytes for throw-away benchmark keys.
private enum SecureSeed {
    static func make() -> [UInt8] { (0..<32).map { _ in UInt8.random(in: 0...255) } }
}

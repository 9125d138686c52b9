import ArgumentParser
import LessorAudit
import LessorCore
import Logging

/// Hidden: appends a burst of grant records from concurrent writers and prints each
/// acknowledged sequence on its own line as soon as it is durable. The crash test kills it
/// mid-burst and checks that every printed sequence survived.
struct AuditBurstCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "burst", abstract: "Append a burst of test records (for crash tests).", shouldDisplay: false)

    @Option(help: "Audit directory.")
    var dir: String

    @Option(help: "Key directory written by `lessor audit keygen`.")
    var keys: String

    @Option(help: "Records to append.")
    var count = 1000

    @Option(help: "Tenants the records are spread over (tenant-0, tenant-1, …).")
    var tenants = 3

    @Option(help: "Concurrent writers.")
    var writers = 8

    @Option(help: "Checkpoint after this many records.")
    var checkpointEvery = 50

    func run() async throws {
        var logger = Logger(label: "lessor.audit")
        logger.logLevel = .error
        let log: AuditLog
        do {
            let configuration = AuditLogConfiguration(
                devices: [.file(directory: dir, maxSegmentBytes: 256 << 10, maxSegmentAge: .seconds(3600))],
                signingKey: try AuditSigningKey(keyFile: AuditKeyDirectory.signingKey(keys)),
                hasher: try AuditFieldHasher(keyFile: AuditKeyDirectory.hashKey(keys)),
                checkpointEveryRecords: checkpointEvery)
            log = try AuditLog.open(configuration, logger: logger)
        } catch {
            throw AuditCLI.fail(error)
        }
        guard tenants >= 1, writers >= 1 else { throw ValidationError("--tenants and --writers must be at least 1") }
        let (tenants, writers) = (tenants, writers)
        let perWriter = (count + writers - 1) / writers
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for index in 0..<perWriter {
                        let receipt = try await log.append(
                            AuditEntry(
                                event: .grant, scope: .tenant("tenant-\((writer + index * writers) % tenants)"),
                                requestID: "w\(writer)-\(index)",
                                subject: .init(issuer: "https://burst.invalid", subject: "writer-\(writer)"),
                                path: "token/audiences/burst", leaseID: "lease-\(writer)-\(index)", ttlSeconds: 900,
                                decision: .allow))
                        AuditCLI.write(Array("\(receipt.sequence)\n".utf8))
                    }
                }
            }
            try await group.waitForAll()
        }
        await log.close()
    }
}

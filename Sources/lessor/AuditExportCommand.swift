import ArgumentParser
import LessorAudit
import LessorCore

/// `lessor audit export PATHS… --tenant T --out DIR`.
struct AuditExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write one tenant's records and the checkpoints that vouch for them, without any other tenant's data."
    )

    @Argument(help: "Segment files or audit directories.")
    var paths: [String]

    @Option(help: "The tenant to export.")
    var tenant: String

    @Option(help: "A new directory for the export.")
    var out: String

    @Option(help: "The audit hash key file (names the tenant in checkpoints).")
    var keyFile: String

    @Option(help: "The audit public key file, copied into the export for reference.")
    var publicKey: String

    func run() throws {
        do {
            let summary = try AuditTenantExport.write(
                files: AuditSegments.expand(paths), tenantID: tenant, hasher: AuditFieldHasher(keyFile: keyFile),
                publicKey: AuditPublicKey(file: publicKey), to: out)
            print("exported \(summary.records) records and \(summary.checkpoints) checkpoints of \(tenant) to \(out)")
        } catch {
            throw AuditCLI.fail(error)
        }
    }
}

/// `lessor audit verify-export DIR --public-key K`.
struct AuditVerifyExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-export",
        abstract: "Prove a tenant export intact and complete up to its last checkpoint.")

    @Argument(help: "The export directory.")
    var directory: String

    @Option(help: "The audit public key file you keep.")
    var publicKey: String

    @Option(help: "The audit hash key file, to check the tenant label as well (optional).")
    var keyFile: String?

    func run() throws {
        do {
            let hasher = try keyFile.map { path throws(LessorError) in try AuditFieldHasher(keyFile: path) }
            let outcome = try AuditExportVerifier.verify(
                directory: directory, publicKey: AuditPublicKey(file: publicKey), hasher: hasher)
            if let finding = outcome.finding {
                print("FAILED at \(finding)")
                throw ExitCode.failure
            }
            let summary = outcome.summary
            print(
                "OK: \(summary.records) records of \(summary.tenantID) from tenant sequence "
                    + "\(summary.firstTenantSequence ?? 0), complete up to checkpoint "
                    + "\(summary.lastCheckpointSequence ?? 0) at \(summary.lastCheckpointTime ?? "?")"
                    + (summary.labelChecked ? "" : " (tenant label not checked: pass --key-file to check it)"))
        } catch let error as LessorError {
            throw AuditCLI.fail(error)
        }
    }
}

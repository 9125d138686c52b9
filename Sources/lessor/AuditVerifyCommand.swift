import ArgumentParser
import LessorAudit
import LessorCore

/// `lessor audit verify FILES… --public-key K`.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a log's hash chain and checkpoint signatures; report the first defect.",
        discussion: "Exits 0 when every record is intact and vouched for by a checkpoint, 1 otherwise.")

    @Argument(help: "Segment files in order, or audit directories (their segments are read in order).")
    var files: [String]

    @Option(help: "The audit public key file you keep (from `lessor audit keygen`).")
    var publicKey: String

    @Flag(help: "Accept records after the last checkpoint (a log still being written) with a warning.")
    var allowUnvouchedTail = false

    func run() throws {
        do {
            let key = try AuditPublicKey(file: publicKey)
            let outcome = try AuditLogVerifier.verify(files: AuditSegments.expand(files), publicKey: key)
            let summary = outcome.summary
            if let finding = outcome.finding {
                if finding.kind == .unvouched, allowUnvouchedTail {
                    print("WARNING: \(finding)")
                } else {
                    print("FAILED at \(finding)")
                    throw ExitCode.failure
                }
            }
            let checkpoint = summary.lastCheckpoint.map { "last checkpoint \($0.sequence) at \($0.time)" } ?? ""
            print(
                "OK: \(summary.records) records, sequences \(summary.firstSequence ?? 0)–\(summary.lastSequence ?? 0), "
                    + "\(summary.checkpoints) checkpoints signed by key \(key.keyID); \(checkpoint)")
        } catch let error as LessorError {
            throw AuditCLI.fail(error)
        }
    }
}

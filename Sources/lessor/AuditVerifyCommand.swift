import ArgumentParser
import LessorAudit
import LessorCore

/// `lessor audit verify FILES… --public-key K [--anchor SEQ:HASH] [--strict]`.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a log's hash chain and checkpoint signatures; report the first defect.",
        discussion: """
            Exits 0 when every record is intact, every checkpoint verifies and (with --anchor) the log \
            reaches its anchor; 1 otherwise. Records after the last checkpoint are counted, not refused: \
            a running broker's log always has some until its next checkpoint. --strict refuses them. \
            Without --anchor, a log cut back to an earlier checkpoint cannot be told from a complete one.
            """)

    @Argument(help: "Segment files in order, or audit directories (their segments are read in order).")
    var files: [String]

    @Option(help: "The audit public key file you keep (from `lessor audit keygen`).")
    var publicKey: String

    @Option(help: "The log's anchor SEQ:HASH, as `lessor audit anchor` prints it from the lease store.")
    var anchor: String?

    @Flag(help: "Refuse records after the last checkpoint (for a log that should be closed).")
    var strict = false

    func run() throws {
        do {
            let key = try AuditPublicKey(file: publicKey)
            let anchor = try anchor.map { text throws(LessorError) in try AuditAnchor(text: text) }
            let outcome = try AuditLogVerifier.verify(
                files: AuditSegments.expand(files), publicKey: key, anchor: anchor)
            let summary = outcome.summary
            if let finding = outcome.finding {
                print("FAILED at \(finding)")
                throw ExitCode.failure
            }
            let vouched = summary.lastCheckpoint.map { "vouched for through checkpoint \($0.sequence) at \($0.time)" }
            print(
                "OK: \(summary.records) records, sequences \(summary.firstSequence ?? 0)–\(summary.lastSequence ?? 0), "
                    + "\(summary.checkpoints) checkpoints signed by key \(key.keyID); "
                    + (vouched ?? "no checkpoint vouches for it yet"))
            if summary.unvouchedRecords > 0 {
                print(
                    "\(strict ? "FAILED" : "NOTE"): \(summary.unvouchedRecords) record(s) after the last checkpoint "
                        + "wait for the next one (a log still being written, or one cut after its last checkpoint)")
                if strict { throw ExitCode.failure }
            }
            if let anchor {
                print("the log reaches its anchor, sequence \(anchor.sequence)")
            } else {
                print("no --anchor given: a cut back to an earlier checkpoint would not show")
            }
        } catch let error as LessorError {
            throw AuditCLI.fail(error)
        }
    }
}

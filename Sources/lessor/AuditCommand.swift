import ArgumentParser
import Foundation
import LessorCore

/// `lessor audit …`: key set-up, verification, search and tenant export of the audit log.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Verify, search and export the tamper-evident audit log.",
        subcommands: [
            AuditVerifyCommand.self, AuditAnchorCommand.self, AuditQueryCommand.self, AuditExportCommand.self,
            AuditVerifyExportCommand.self,
            AuditHashCommand.self, AuditKeygenCommand.self, AuditPublicKeyCommand.self, AuditBurstCommand.self,
        ])
}

/// How audit commands end on an error: the message on standard error and exit status 1.
enum AuditCLI {
    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode.failure
    }

    static func fail(_ error: LessorError) -> ExitCode { fail(error.message) }

    /// Writes to standard output without buffering, for lines that must be out before the next step.
    static func write(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
    }
}

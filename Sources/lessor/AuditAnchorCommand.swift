import ArgumentParser
import LessorConfig
import LessorCore
import LessorPostgres

/// `lessor audit anchor --config FILE`: the log's last durable position as the lease store keeps it.
struct AuditAnchorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "anchor",
        abstract: "Print the audit log's anchor (SEQ:HASH) from the lease store, for `audit verify --anchor`.")

    @Option(help: "The broker's configuration file (names the store and the log).")
    var config: String

    func run() async throws {
        do {
            let settings = try LessorConfiguration.load(path: config).broker
            let log = settings.resolvedAuditLogName
            let (store, postgres) = try BrokerAssembly.openStore(
                settings, logger: BrokerRuntime.makeLogger(level: "error"))
            let anchor: AuditAnchor?
            if let postgres {
                anchor = try await postgres.withRunning { store in try await store.auditAnchor(log: log) }
            } else {
                anchor = try await store.auditAnchor(log: log)
            }
            guard let anchor else {
                throw LessorError(.auditInvalid, "the lease store keeps no anchor for audit log '\(log)'")
            }
            print(anchor.description)
        } catch let error as LessorError {
            throw AuditCLI.fail(error)
        }
    }
}

import ArgumentParser
import LessorAudit
import LessorCore

/// `lessor audit query PATHS… --tenant T --since … --until … --event … --subject …`.
struct AuditQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query", abstract: "Print the records that match, as JSON lines, in log order.")

    @Argument(help: "Segment files or audit directories.")
    var paths: [String]

    @Option(help: "Only this tenant's records.")
    var tenant: String?

    @Option(help: "From this UTC time on (2025-11-24, 2025-11-24T10:00, 2025-11-24T10:00:00Z).")
    var since: String?

    @Option(help: "Before this UTC time.")
    var until: String?

    @Option(help: "Event name, or a family such as tenant.*; repeat for several.")
    var event: [String] = []

    @Option(help: "The subject's `sub`, exactly.")
    var subject: String?

    func run() throws {
        var query = AuditQuery(tenantID: tenant, events: event, subject: subject)
        for (name, value) in [("--since", since), ("--until", until)] {
            guard let value else { continue }
            guard let bound = AuditTimestamp.bound(value) else {
                throw AuditCLI.fail("\(name) \(value): use a UTC time such as 2025-11-24 or 2025-11-24T10:00:00Z")
            }
            if name == "--since" { query.since = bound } else { query.until = bound }
        }
        var output: [UInt8] = []
        do {
            try query.run(files: AuditSegments.expand(paths)) { line in
                output.append(contentsOf: line)
                output.append(UInt8(ascii: "\n"))
                if output.count >= 1 << 16 {
                    AuditCLI.write(output)
                    output.removeAll(keepingCapacity: true)
                }
            }
        } catch {
            throw AuditCLI.fail(error)
        }
        AuditCLI.write(output)
    }
}

import ArgumentParser

@main
struct Lessor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lessor: a short-lived credential broker with workload identity.",
        subcommands: [
            ServerCommand.self, DevCommand.self, ExchangeCommand.self, LeaseCommand.self, TenantCommand.self,
            PolicyCommand.self, AuditCommand.self,
        ])
}

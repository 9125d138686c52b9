import ArgumentParser
import LessorConfig
import LessorCore
import LessorEngines
import LessorIdentity
import Logging

struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server", abstract: "Run the broker with a configuration file.")

    @Option(name: .long, help: "Path of the YAML configuration file.")
    var config: String

    @Flag(name: .long, help: "Validate the configuration and exit without starting.")
    var checkConfig = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Start although the audit log ends before the anchor the lease store keeps (it was cut back or replaced).",
            discussion: "The reason and both positions are recorded in the audit log.", valueName: "reason"))
    var acceptAuditRollback: String?

    func validate() throws {
        if let reason = acceptAuditRollback, !(1...1024).contains(reason.count) || reason.allSatisfy(\.isWhitespace) {
            throw ValidationError("--accept-audit-rollback needs a reason of 1–1024 characters")
        }
    }

    func run() async throws {
        let configuration: LessorConfiguration
        do {
            configuration = try LessorConfiguration.load(path: config)
            try configuration.server.requireTransportSecurity()
            if checkConfig {
                _ = try BrokerRuntime.servingCertificate(configuration)
                _ = try BrokerRuntime.makeVerifier(configuration, logger: BrokerRuntime.makeLogger(level: "error"))
                let policies = try BrokerRuntime.loadPolicies(configuration)
                let aws =
                    configuration.broker.awsEngine.map { ", aws engine with \($0.engine.roles.count) role(s)" } ?? ""
                print(
                    "configuration OK: \(configuration.issuers.count) issuer(s), policies \(policies.map { "digest \($0.status.digest)" } ?? "not configured")\(aws)"
                )
                return
            }
        } catch let error as LessorError {
            throw error.exit
        }
        BrokerRuntime.bootstrapLogging(configuration.logFormat)
        let logger = BrokerRuntime.makeLogger(level: configuration.logLevel)
        let verifier: TokenVerifier
        do {
            verifier = try BrokerRuntime.makeVerifier(configuration, logger: logger)
        } catch {
            throw error.exit
        }
        logger.info(
            "lessor starting",
            metadata: [
                "address": "\(configuration.server.host):\(configuration.server.port)",
                "tls": "\(configuration.server.tlsCertificateChain != nil)",
                "client_ca": "\(configuration.server.tlsClientCA != nil)",
                "metrics": "\(metricsURL(configuration))",
            ])
        guard let policies = try BrokerRuntime.loadPolicies(configuration) else {
            throw ValidationError("policies: the broker needs a policy directory to bind tenants")
        }
        let tls = try BrokerRuntime.servingCertificate(configuration)
        let scheme = tls == nil ? "http" : "https"
        let assembly: BrokerAssembly
        do {
            assembly = try await BrokerAssembly.open(
                configuration, policies: policies,
                serverURL: "\(scheme)://\(configuration.server.host):\(configuration.server.port)",
                acceptingAuditRollbackBecause: acceptAuditRollback, logger: logger)
        } catch {
            throw error.exit
        }
        try await BrokerRuntime.run(
            configuration, verifier: verifier, policies: policies, tls: tls, logger: logger, assembly: assembly)
    }

    /// Where `GET /metrics` is served: its own listener, or the broker's.
    private func metricsURL(_ configuration: LessorConfiguration) -> String {
        guard let listener = configuration.metrics.listener else { return "/metrics on the broker's listener" }
        return "http://\(listener.host):\(listener.port)/metrics"
    }
}

import ArgumentParser
import LessorConfig
import LessorCore
import LessorHTTP
import LessorIdentity
import Logging
import ServiceLifecycle
import UnixSignals

/// The composition root: turns a configuration into running services and runs them until SIGTERM
/// or SIGINT, then shuts them down in reverse order.
enum BrokerRuntime {
    static func makeLogger(level: String) -> Logger {
        var logger = Logger(label: "lessor")
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }

    static func makeVerifier(_ configuration: LessorConfiguration, logger: Logger) throws(LessorError) -> TokenVerifier
    {
        try TokenVerifier(
            configurations: configuration.issuers, logger: logger, maxTokenBytes: configuration.maxTokenBytes)
    }

    /// The policy bundle named by the configuration, validated; start-up stops on any issue.
    static func loadPolicies(_ configuration: LessorConfiguration) throws -> PolicyBundleStore? {
        guard let directory = configuration.policiesDirectory else { return nil }
        do {
            return PolicyBundleStore(try PolicyBundleLoader.load(directory: directory))
        } catch {
            throw ValidationError("policies: \(directory) is invalid:\n\(error.description)")
        }
    }

    static func run(
        _ configuration: LessorConfiguration, verifier: TokenVerifier, policies: PolicyBundleStore?, logger: Logger,
        developmentIssuer: DevelopmentIssuerController? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let tls = configuration.server.tlsCertificateChain.map {
            BrokerServer.TLSFiles(certificateChainPath: $0, privateKeyPath: configuration.server.tlsPrivateKey ?? "")
        }
        let app = try BrokerServer.application(
            verifier: verifier, policies: policies, host: configuration.server.host, port: configuration.server.port,
            tls: tls,
            logger: logger, developmentIssuer: developmentIssuer, onServerRunning: onServerRunning)
        let refresher = KeySetRefresher(caches: verifier.keySets)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: refresher), .init(service: app)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

extension LessorError {
    /// Ends the command with the error's message and a failing exit code.
    var exit: ValidationError { ValidationError("\(code.rawValue): \(message)") }
}

import ArgumentParser
import Foundation
import LessorAudit
import LessorBroker
import LessorConfig
import LessorCore
import LessorHTTP
import LessorIdentity
import LessorPostgres
import Logging
import ServiceLifecycle
import UnixSignals

/// The composition root: turns a configuration into running services and runs them until SIGTERM
/// or SIGINT, then shuts them down in reverse order.
enum BrokerRuntime {
    /// Sends every logger of this process to `format`; call once, before the first logger is made.
    static func bootstrapLogging(_ format: LessorConfiguration.LogFormat) {
        switch format {
        case .json: LoggingSystem.bootstrap { label in JSONLogHandler.standardError(label: label) }
        case .text: LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        }
    }

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

    /// The policy bundle named by the configuration, validated (a binding that requires a client
    /// certificate needs `server.tls.client_ca`); start-up stops on any issue.
    static func loadPolicies(_ configuration: LessorConfiguration) throws -> PolicyBundleStore? {
        guard let directory = configuration.policiesDirectory else { return nil }
        do {
            return PolicyBundleStore(
                try PolicyBundleLoader.load(
                    directory: directory, verifiesClientCertificates: configuration.server.tlsClientCA != nil))
        } catch {
            throw ValidationError("policies: \(directory) is invalid:\n\(error.description)")
        }
    }

    /// The routes of a broker assembled from `configuration`, with readiness checks for its store
    /// and audit devices (and the serving certificate's), and `GET /metrics` when `metrics` is given
    /// (no listener of its own).
    static func routes(
        for assembly: BrokerAssembly, tls: ServingCertificate?, metrics: (@Sendable () async -> [UInt8])?
    ) -> BrokerRoutes {
        var checks = [ReadinessChecks.store(assembly.broker.store), ReadinessChecks.audit(assembly.audit)]
        if let tls { checks.append(ReadinessChecks.tls(tls)) }
        return BrokerRoutes(
            broker: assembly.broker, tokenEngine: assembly.tokenEngine, certificateKey: assembly.certificateKey.keyPair,
            certificateKeyID: assembly.certificateKey.keyID, checks: checks, metrics: metrics)
    }

    /// Renders the assembly's `/metrics` page, its scrape-time gauges read first.
    static func metricsPage(of assembly: BrokerAssembly, verifier: TokenVerifier) -> @Sendable () async -> [UInt8] {
        { await assembly.metrics.render(store: assembly.broker.store, verifier: verifier, audit: assembly.audit) }
    }

    /// The configured certificate and key, loaded and checked before anything else opens; nil when
    /// the server runs plain HTTP.
    static func servingCertificate(_ configuration: LessorConfiguration) throws -> ServingCertificate? {
        guard let chain = configuration.server.tlsCertificateChain else { return nil }
        do {
            return try ServingCertificate(
                files: BrokerServer.TLSFiles(
                    certificateChainPath: chain, privateKeyPath: configuration.server.tlsPrivateKey ?? "",
                    clientCAPath: configuration.server.tlsClientCA))
        } catch {
            throw error.exit
        }
    }

    static func run(
        _ configuration: LessorConfiguration, verifier: TokenVerifier, policies: PolicyBundleStore?,
        tls: ServingCertificate?, logger: Logger,
        developmentIssuer: DevelopmentIssuerController? = nil, assembly: BrokerAssembly? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let page = assembly.map { metricsPage(of: $0, verifier: verifier) }
        let listener = configuration.metrics.listener
        let limits = BrokerServer.Limits(
            maxBodyBytes: configuration.server.maxBodyBytes, maxHeaderBytes: configuration.server.maxHeaderBytes,
            idleTimeout: configuration.server.idleTimeout, readTimeout: configuration.server.readTimeout,
            maxConnections: configuration.server.maxConnections)
        let app = try BrokerServer.application(
            verifier: verifier, policies: policies, host: configuration.server.host, port: configuration.server.port,
            tls: tls, limits: limits,
            logger: logger, developmentIssuer: developmentIssuer,
            broker: assembly.map { routes(for: $0, tls: tls, metrics: listener == nil ? page : nil) },
            onServerRunning: onServerRunning)
        let refresher = KeySetRefresher(caches: verifier.keySets)
        // Started in order and stopped in reverse: the audit log outlives the server and the sweeper.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let assembly {
            services.append(.init(service: assembly.anchorKeeper))
            services.append(.init(service: assembly.audit))
            services += assembly.services.map { .init(service: $0) }
        }
        if let policies, let directory = configuration.policiesDirectory {
            services.append(
                .init(
                    service: PolicyReloader(
                        directory: directory, store: policies,
                        verifiesClientCertificates: configuration.server.tlsClientCA != nil, logger: logger)))
        }
        if let tls {
            services.append(
                .init(
                    service: CertificateReloader(
                        certificate: tls, interval: configuration.server.tlsReloadInterval, logger: logger)))
        }
        services += [.init(service: refresher), .init(service: app)]
        if let listener, let page {
            services.append(
                .init(
                    service: BrokerServer.metricsApplication(
                        host: listener.host, port: listener.port, render: page, limits: limits, logger: logger)))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        // The audit log is checked against its anchor before the first request can append to it.
        let start = { @Sendable () async throws -> Void in
            do throws(LessorError) {
                try await assembly?.reconcileAuditAnchor()
            } catch {
                throw error.exit
            }
            try await group.run()
        }
        if let postgres = assembly?.postgres {
            // The pool runs and the schema is migrated before any service starts; it stops last.
            try await postgres.withRunning { _ in try await start() }
        } else {
            try await start()
        }
    }
}

extension LessorError {
    /// Ends the command with the error's message and a failing exit code.
    var exit: CommandFailure { CommandFailure("\(code.rawValue): \(message)") }
}

/// A command that ran and failed: printed as `Error: <message>` without the usage text, which
/// `ValidationError` adds for mistakes in the command line itself.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

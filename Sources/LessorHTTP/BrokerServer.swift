public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import LessorCore
public import LessorIdentity
public import Logging
import NIOCore
import NIOSSL

/// The broker's HTTP(S) server: routes, TLS, and the application that runs them.
public enum BrokerServer {
    public struct TLSFiles: Sendable, Hashable {
        public var certificateChainPath: String
        public var privateKeyPath: String
        public init(certificateChainPath: String, privateKeyPath: String) {
            self.certificateChainPath = certificateChainPath
            self.privateKeyPath = privateKeyPath
        }
    }

    public static func router(
        verifier: TokenVerifier, policies: PolicyBundleStore? = nil,
        developmentIssuer: DevelopmentIssuerController? = nil, broker routes: BrokerRoutes? = nil
    ) -> Router<LessorRequestContext> {
        let router = Router(context: LessorRequestContext.self)
        HealthController(verifier: verifier, policies: policies, checks: routes?.checks ?? []).addRoutes(to: router)
        IdentityController(verifier: verifier, policies: policies).addRoutes(to: router)
        developmentIssuer?.addRoutes(to: router)
        if let routes {
            CredentialsController(verifier: verifier, broker: routes.broker).addRoutes(to: router)
            TokenExchangeController(verifier: verifier, broker: routes.broker).addRoutes(to: router)
            STSController(verifier: verifier, broker: routes.broker).addRoutes(to: router)
            TokenIssuerController(engine: routes.tokenEngine, verifier: verifier, broker: routes.broker)
                .addRoutes(to: router)
            TenantController(
                verifier: verifier, broker: routes.broker, certificateKey: routes.certificateKey,
                certificateKeyID: routes.certificateKeyID
            ).addRoutes(to: router)
            if let metrics = routes.metrics { MetricsController(render: metrics).addRoutes(to: router) }
        }
        return router
    }

    public static func application(
        verifier: TokenVerifier, policies: PolicyBundleStore?, host: String, port: Int, tls: TLSFiles?,
        logger: Logger, developmentIssuer: DevelopmentIssuerController? = nil, broker routes: BrokerRoutes? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        if let tls {
            server = try .tls(.http1(), tlsConfiguration: try tlsConfiguration(tls))
        } else {
            server = .http1()
        }
        return Application(
            router: router(
                verifier: verifier, policies: policies, developmentIssuer: developmentIssuer, broker: routes),
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "lessor"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// `GET /metrics` alone, over plain HTTP, on a listener of its own (`metrics.port`), so
    /// scrapers need no route to the broker's API and workloads none to the metrics.
    public static func metricsApplication(
        host: String, port: Int, render: @escaping @Sendable () async -> [UInt8], logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router(context: LessorRequestContext.self)
        MetricsController(render: render).addRoutes(to: router)
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "lessor"),
            logger: logger)
    }

    static func tlsConfiguration(_ files: TLSFiles) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(files.certificateChainPath).map {
            NIOSSLCertificateSource.certificate($0)
        }
        let key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }
}

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
        /// PEM bundle of the CAs that sign admin clients' certificates; nil: no client certificates.
        public var clientCAPath: String?
        public init(certificateChainPath: String, privateKeyPath: String, clientCAPath: String? = nil) {
            self.certificateChainPath = certificateChainPath
            self.privateKeyPath = privateKeyPath
            self.clientCAPath = clientCAPath
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
        }
        return router
    }

    public static func application(
        verifier: TokenVerifier, policies: PolicyBundleStore?, host: String, port: Int, tls: ServingCertificate?,
        logger: Logger, developmentIssuer: DevelopmentIssuerController? = nil, broker routes: BrokerRoutes? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        if let tls {
            server = try .tls(.http1(), tlsConfiguration: tlsConfiguration(tls))
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

    /// TLS 1.2 or later with the serving certificate, which each new handshake reads again (so a
    /// reload takes effect without a restart). With a client CA, clients may present a certificate;
    /// one that does not verify against that CA fails the handshake, and none at all is accepted
    /// (admin bindings decide whether they need one).
    static func tlsConfiguration(_ certificate: ServingCertificate) -> TLSConfiguration {
        let initial = certificate.material
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: initial.chain.map { .certificate($0) }, privateKey: .privateKey(initial.key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.sslContextCallback = { _, promise in promise.succeed(certificate.handshakeOverride) }
        if let authorities = certificate.clientAuthorities {
            configuration.trustRoots = .certificates(authorities)
            configuration.certificateVerification = .optionalVerification
            configuration.sendCANameList = true
        }
        return configuration
    }
}

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

    /// Request and connection limits: body size and read time are `RequestBodyLimit`'s, the rest
    /// Hummingbird's HTTP/1 channel's and its listener's.
    public struct Limits: Sendable, Hashable {
        /// A larger request body is refused with 413 before its route runs.
        public var maxBodyBytes: Int
        /// The limit of one header field and of all header fields of a request together; a larger
        /// head is answered 400 and its connection closed.
        public var maxHeaderBytes: Int
        /// Closes a connection this long after its last complete request part (head, body chunk or
        /// end) unless a request is being answered, so a head sent a byte at a time, a stalled body
        /// and an idle keep-alive connection are all dropped.
        public var idleTimeout: Duration
        /// A request body still arriving this long after its head is answered 408 and its
        /// connection closed, however steadily its bytes trickle in.
        public var readTimeout: Duration
        /// Connections beyond this are not accepted; they wait in the listen backlog until one closes.
        public var maxConnections: Int

        public init(
            maxBodyBytes: Int = 64 * 1024, maxHeaderBytes: Int = 32 * 1024, idleTimeout: Duration = .seconds(60),
            readTimeout: Duration = .seconds(30), maxConnections: Int = 1024
        ) {
            self.maxBodyBytes = maxBodyBytes
            self.maxHeaderBytes = maxHeaderBytes
            self.idleTimeout = idleTimeout
            self.readTimeout = readTimeout
            self.maxConnections = maxConnections
        }

        var channel: HTTP1Channel.Configuration {
            let parts = idleTimeout.components
            return HTTP1Channel.Configuration(
                idleTimeout: .nanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: maxHeaderBytes, maxHeaderListSize: maxHeaderBytes))
        }
    }

    public static func router(
        verifier: TokenVerifier, policies: PolicyBundleStore? = nil,
        developmentIssuer: DevelopmentIssuerController? = nil, broker routes: BrokerRoutes? = nil,
        limits: Limits = Limits()
    ) -> Router<LessorRequestContext> {
        let router = Router(context: LessorRequestContext.self)
        router.add(middleware: RequestBodyLimit(maxBytes: limits.maxBodyBytes, readTimeout: limits.readTimeout))
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
        verifier: TokenVerifier, policies: PolicyBundleStore?, host: String, port: Int, tls: ServingCertificate?,
        limits: Limits = Limits(), logger: Logger, developmentIssuer: DevelopmentIssuerController? = nil,
        broker routes: BrokerRoutes? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder
        if let tls {
            server = try .tls(.http1(configuration: limits.channel), tlsConfiguration: tlsConfiguration(tls))
        } else {
            server = .http1(configuration: limits.channel)
        }
        return Application(
            router: router(
                verifier: verifier, policies: policies, developmentIssuer: developmentIssuer, broker: routes,
                limits: limits),
            server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "lessor",
                availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger)),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// `GET /metrics` alone, over plain HTTP, on a listener of its own (`metrics.port`), so
    /// scrapers need no route to the broker's API and workloads none to the metrics. It keeps the
    /// server's `limits` (head size, idle and read timeouts, body size, connection cap), so a slow
    /// or flooding client of this port cannot hold what the API's clients need.
    public static func metricsApplication(
        host: String, port: Int, render: @escaping @Sendable () async -> [UInt8], limits: Limits = Limits(),
        logger: Logger
    ) -> some ApplicationProtocol {
        let router = Router(context: LessorRequestContext.self)
        router.add(middleware: RequestBodyLimit(maxBytes: limits.maxBodyBytes, readTimeout: limits.readTimeout))
        MetricsController(render: render).addRoutes(to: router)
        return Application(
            router: router, server: .http1(configuration: limits.channel),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: port), serverName: "lessor",
                availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections, logger: logger)),
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

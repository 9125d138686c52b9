public import LessorBroker
public import LessorCore
public import LessorCrypto
public import LessorEngines

/// What the exchange, lease, token-issuer and tenant routes run on, and what readiness checks
/// beyond the issuers and the policy bundle.
public struct BrokerRoutes: Sendable {
    /// One readiness check: a name, whether it passes, and what to show.
    public struct Check: Sendable {
        public let name: String
        public let run: @Sendable () async -> (ready: Bool, detail: JSONValue)

        public init(name: String, run: @escaping @Sendable () async -> (ready: Bool, detail: JSONValue)) {
            self.name = name
            self.run = run
        }
    }

    public let broker: Broker
    public let tokenEngine: TokenEngine
    public let certificateKey: Ed25519KeyPair
    public let certificateKeyID: String
    public let checks: [Check]
    /// Renders `GET /metrics`; nil serves no metrics route.
    public let metrics: (@Sendable () async -> [UInt8])?

    public init(
        broker: Broker, tokenEngine: TokenEngine, certificateKey: Ed25519KeyPair, certificateKeyID: String,
        checks: [Check], metrics: (@Sendable () async -> [UInt8])? = nil
    ) {
        self.broker = broker
        self.tokenEngine = tokenEngine
        self.certificateKey = certificateKey
        self.certificateKeyID = certificateKeyID
        self.checks = checks
        self.metrics = metrics
    }
}

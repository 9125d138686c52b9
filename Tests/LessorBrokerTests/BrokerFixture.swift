import Foundation
import LessorAudit
import LessorBroker
import LessorConfig
import LessorCore
import LessorCrypto
import LessorEngines
import LessorSQLite
import LessorTestSupport
import Logging

/// A real broker in a temporary directory: SQLite store, file audit log, token engine, and a small
/// policy bundle with tenants acme, globex (class `basic`), initech (class `fixed`, no renewal),
/// hooli (class `throttled`: 1 request/s, burst 2) and umbrella (class `capped`: 3 live leases).
/// Time is a `TestClock`, so expiry is tested without waiting.
final class BrokerFixture: Sendable {
    static let issuer = StaticIssuer.url
    static let brokerURL = "https://lessor.test"

    let directory: String
    /// Starts on a whole second: the stores keep milliseconds and tokens keep seconds.
    let clock = TestClock(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
    let store: SQLiteLeaseStore
    let audit: AuditLog
    let signingKey: AuditSigningKey
    let tokenEngine: TokenEngine
    let policies: PolicyBundleStore
    let broker: Broker

    init(
        extraEngines: [any CredentialEngine] = [], settings: Broker.Settings = .init(),
        metrics: BrokerMetrics = .disabled, auditSink: (AuditLog) -> any AuditSink = { $0 }
    ) throws {
        directory = NSTemporaryDirectory() + "lessor-broker-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(directory)/policies", withIntermediateDirectories: true)
        try Self.bundle.write(toFile: "\(directory)/policies/bundle.yaml", atomically: true, encoding: .utf8)
        policies = PolicyBundleStore(try PolicyBundleLoader.load(directory: "\(directory)/policies"))
        store = try SQLiteLeaseStore.open(path: "\(directory)/lessor.sqlite")
        signingKey = try AuditSigningKey(seed: SecureRandom.bytes(count: 32))
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        audit = try AuditLog.open(
            AuditLogConfiguration(
                devices: [.file(directory: "\(directory)/audit")], signingKey: signingKey,
                hasher: try AuditFieldHasher(key: SecureRandom.bytes(count: 32)), clock: clock.wallClock),
            logger: logger)
        tokenEngine = try TokenEngine(
            issuer: Self.brokerURL,
            keyring: try TokenSigningKeyring(directory: "\(directory)/token-keys", now: clock.now),
            maxTokenLifetime: .seconds(43_200), clock: clock.wallClock)
        broker = Broker(
            store: store, audit: auditSink(audit), policies: policies, engines: [tokenEngine] + extraEngines,
            keyring: TenantKeyring(brokerKey: try SecretBox(key: SecretBox.generateKey())), settings: settings,
            clock: clock.wallClock, logger: logger, metrics: metrics)
    }

    func cleanUp() async {
        await audit.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A workload of `tenant` (namespace `tenant-<tenant>`) with service account `account`.
    func workload(_ tenant: String, account: String = "billing") -> Caller {
        let namespace = "tenant-\(tenant)"
        let subject = "system:serviceaccount:\(namespace):\(account)"
        let identity = VerifiedIdentity(
            issuer: Self.issuer, subject: subject, audiences: ["lessor"], expiresAt: clock.now.addingTimeInterval(3600),
            issuedAt: clock.now, notBefore: nil, tokenID: "jti-\(UUID().uuidString)", keyID: "k1", algorithm: "RS256",
            kubernetes: KubernetesIdentity(namespace: namespace, serviceAccount: .init(name: account, uid: nil)),
            claims: [
                "iss": .string(Self.issuer), "sub": .string(subject), "aud": .string("lessor"),
                "kubernetes.io": .object([
                    "namespace": .string(namespace), "serviceaccount": .object(["name": .string(account)]),
                ]),
            ])
        return Caller(identity: identity, requestID: "req-\(UUID().uuidString.prefix(8))")
    }

    /// The global admin.
    func admin() -> Caller {
        let identity = VerifiedIdentity(
            issuer: Self.issuer, subject: "platform-admin", audiences: ["lessor"],
            expiresAt: clock.now.addingTimeInterval(3600), issuedAt: clock.now, notBefore: nil, tokenID: nil,
            keyID: "k1", algorithm: "RS256", kubernetes: nil,
            claims: ["iss": .string(Self.issuer), "sub": .string("platform-admin"), "aud": .string("lessor")])
        return Caller(identity: identity, requestID: "req-admin")
    }

    /// Every audit record written so far, as parsed JSON objects, after the log is flushed.
    func auditRecords() async throws -> [[String: JSONValue]] {
        _ = try await audit.checkpoint()
        var records: [[String: JSONValue]] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/audit").sorted()
        for file in files where file.hasSuffix(".jsonl") {
            let text = try String(contentsOfFile: "\(directory)/audit/\(file)", encoding: .utf8)
            for line in text.split(separator: "\n") {
                if let object = try JSONParser.parse(Array(line.utf8)).objectValue { records.append(object) }
            }
        }
        return records
    }

    static let bundle = """
        classes:
          - name: basic
            default_ttl: 15m
            max_ttl: 1h
            engines: [token, refusing, access-keys]
            residency: [eu-west-1]
            audit_retention_days: 90
            rate_limit: {requests_per_second: 100, burst: 100}
            max_leases: 1000
            isolation: pooled
          - name: fixed
            default_ttl: 15m
            max_ttl: 1h
            engines: [token]
            residency: [eu-west-1]
            audit_retention_days: 30
            rate_limit: {requests_per_second: 100, burst: 100}
            max_leases: 1000
            isolation: siloed
            renewable: false
          - name: throttled
            default_ttl: 15m
            max_ttl: 1h
            engines: [token]
            residency: [eu-west-1]
            audit_retention_days: 30
            rate_limit: {requests_per_second: 1, burst: 2}
            max_leases: 1000
            isolation: pooled
          - name: capped
            default_ttl: 15m
            max_ttl: 1h
            engines: [token]
            residency: [eu-west-1]
            audit_retention_days: 30
            rate_limit: {requests_per_second: 100, burst: 100}
            max_leases: 3
            isolation: pooled
        tenants:
          - {id: acme, class: basic}
          - {id: globex, class: basic}
          - {id: initech, class: fixed}
          - {id: hooli, class: throttled}
          - {id: umbrella, class: capped}
        bindings:
          - name: workloads
            issuer: https://issuer.test
            audiences: [lessor]
            bound_claims:
              sub: "system:serviceaccount:*"
              kubernetes.io.namespace: tenant-*
            tenant_from: {claim: kubernetes.io.namespace, template: "tenant-{tenant}"}
            policies: [app]
          - name: admins
            issuer: https://issuer.test
            audiences: [lessor]
            bound_claims:
              sub: platform-admin
            global_role: admin
            policies: [admin]
        policies:
          - name: app
            rules:
              - path: "token/audiences/{{identity.serviceaccount}}"
                capabilities: [read]
                max_ttl: 30m
              - path: token/audiences/shared
                capabilities: [read]
              - path: refusing/things/*
                capabilities: [read]
              - path: access-keys/roles/*
                capabilities: [read]
              - path: token/audiences/forbidden
                capabilities: [deny]
          - name: admin
            scope: global
            rules:
              - path: tenants/*
                capabilities: [read, update, delete, list]

        """
}

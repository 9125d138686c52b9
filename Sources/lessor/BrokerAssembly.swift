import Foundation
import LessorAudit
import LessorBroker
import LessorConfig
import LessorCore
import LessorCrypto
import LessorEngines
import LessorPostgres
import LessorSQLite
import Logging
import ServiceLifecycle

/// The broker's parts, opened from configuration: data directory and keys, lease store, audit
/// log, token engine, the aws engine when configured, and the use cases over them, plus the
/// background services they need.
struct BrokerAssembly: Sendable {
    let broker: Broker
    let audit: AuditLog
    let tokenEngine: TokenEngine
    /// The `aws` engine (`engines.aws`), nil when not configured.
    let awsEngine: AWSEngine?
    let certificateKey: AuditSigningKey
    /// This assembly's Prometheus registry and the broker's metrics made through it.
    let metrics: ServerMetrics
    /// Runs before, and stops after, every service in `services`.
    let postgres: PostgresLeaseStore?
    /// Keeps the audit log's anchor in the store; runs before the audit log and stops after it.
    let anchorKeeper: AuditAnchorKeeper
    /// Set by `--accept-audit-rollback`: the operator's reason to start on a log behind its anchor.
    let auditRollbackReason: String?
    let services: [any Service]

    static func open(
        _ configuration: LessorConfiguration, policies: PolicyBundleStore, serverURL: String,
        acceptingAuditRollbackBecause auditRollbackReason: String? = nil, logger: Logger
    ) async throws(LessorError) -> BrokerAssembly {
        let settings = configuration.broker
        let data = settings.dataDirectory
        try createPrivateDirectory(data)
        let brokerKey = try SecretBox(
            key: SecretKeyFile.readOrCreate(
                settings.resolvedBrokerKeyFile, byteCount: SecretBox.keyCount, what: "broker key"))

        let keyDirectory = settings.resolvedAuditKeyDirectory
        if !FileManager.default.fileExists(atPath: AuditKeyDirectory.signingKey(keyDirectory)) {
            try AuditKeyDirectory.create(keyDirectory)
            logger.notice(
                "audit keys created; give auditors the public key",
                metadata: ["public_key": "\(AuditKeyDirectory.publicKey(keyDirectory))"])
        }
        let signingKey = try AuditSigningKey(keyFile: AuditKeyDirectory.signingKey(keyDirectory))
        let (store, postgres) = try openStore(settings, logger: logger)

        let anchorKeeper = AuditAnchorKeeper(log: settings.resolvedAuditLogName, store: store, logger: logger)
        let metrics = ServerMetrics(tenantLabelLimit: configuration.metrics.tenantLabelLimit)
        let killPoint = FaultInjection.auditBatch()
        let audit = try AuditLog.open(
            AuditLogConfiguration(
                devices: settings.resolvedAuditDevices.map {
                    switch $0 {
                    case .file(let directory, let bytes, let age):
                        .file(directory: directory, maxSegmentBytes: bytes, maxSegmentAge: age)
                    case .stdout: .stdout
                    }
                }, signingKey: signingKey,
                hasher: try AuditFieldHasher(keyFile: AuditKeyDirectory.hashKey(keyDirectory)),
                checkpointEveryRecords: settings.checkpointEveryRecords,
                checkpointInterval: settings.checkpointInterval,
                onBatch: { batch in
                    killPoint?(batch)
                    metrics.record(batch)
                    anchorKeeper.advance(to: batch.end)
                }),
            logger: logger)

        let maxLifetime = policies.current.classes.values.map(\.maxTTL).max() ?? .seconds(43_200)
        let tokenEngine = try TokenEngine(
            issuer: settings.tokenIssuer ?? serverURL,
            keyring: try TokenSigningKeyring(directory: settings.resolvedTokenKeyDirectory, now: Date()),
            maxTokenLifetime: maxLifetime)
        var awsEngine: AWSEngine?
        if let aws = settings.awsEngine { awsEngine = try await makeAWSEngine(aws, logger: logger) }
        let broker = Broker(
            store: store, audit: audit, policies: policies, engines: [tokenEngine] + (awsEngine.map { [$0] } ?? []),
            keyring: TenantKeyring(brokerKey: brokerKey),
            settings: Broker.Settings(
                region: configuration.region, pendingGrace: settings.pendingGrace,
                maxRevokeAttempts: settings.maxRevokeAttempts, faultPoint: FaultInjection.exchangeStep()),
            logger: logger, metrics: metrics.broker)
        let services: [any Service] = [
            ExpirySweeper(broker: broker, interval: settings.sweepInterval),
            TokenKeyRotation(engine: tokenEngine, every: settings.tokenKeyRotation, logger: logger),
            AuditRetentionService(
                directories: settings.resolvedAuditDevices.compactMap {
                    if case .file(let directory, _, _) = $0 { directory } else { nil }
                }, policies: policies, logger: logger),
        ]
        return BrokerAssembly(
            broker: broker, audit: audit, tokenEngine: tokenEngine, awsEngine: awsEngine, certificateKey: signingKey,
            metrics: metrics, postgres: postgres, anchorKeeper: anchorKeeper, auditRollbackReason: auditRollbackReason,
            services: services)
    }

    /// The lease store the settings name; the PostgreSQL one is also returned, since it must run
    /// (`withRunning`) before it answers.
    static func openStore(
        _ settings: BrokerSettings, logger: Logger
    ) throws(LessorError) -> (store: any LeaseStore, postgres: PostgresLeaseStore?) {
        switch settings.store {
        case .sqlite(let path):
            return (try SQLiteLeaseStore.open(path: path ?? "\(settings.dataDirectory)/lessor.sqlite"), nil)
        case .postgres(let urlFile):
            guard let text = FileManager.default.contents(atPath: urlFile) else {
                throw LessorError(.configInvalid, "cannot read the PostgreSQL URL file \(urlFile)")
            }
            let shared = PostgresLeaseStore(
                configuration: try PostgresStoreConfiguration(
                    url: String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                logger: logger)
            return (shared, shared)
        }
    }

    /// Checks the audit log against its anchor before anything is appended (the store must be
    /// running): a log cut back behind it stops start-up unless the operator accepted it.
    func reconcileAuditAnchor() async throws(LessorError) {
        try await anchorKeeper.reconcile(
            logEnd: audit.openedAt, audit: audit, acceptingRollbackBecause: auditRollbackReason)
    }

    /// The `aws` engine, its upstream credentials' source checked now (no network call), so a
    /// broker without credentials fails to start instead of failing its first exchange. Web
    /// identity exchanges its token at the engine's own STS endpoint, trusting its CA bundle.
    static func makeAWSEngine(_ settings: AWSEngineSettings, logger: Logger) async throws(LessorError) -> AWSEngine {
        let configuration = settings.engine
        let sts = try STSClient(
            region: configuration.stsRegion, endpoint: configuration.stsEndpoint,
            caBundlePath: configuration.caBundlePath, timeout: configuration.timeout)
        let credentials = AWSCredentialsProvider(selection: settings.credentials, webIdentitySTS: sts)
        do throws(LessorError) {
            _ = try await credentials.source()
        } catch {
            throw LessorError(
                .configInvalid, "engines.aws.credentials (source \(settings.credentials.name)): \(error.message)")
        }
        let engine = try AWSEngine(configuration: configuration, credentials: credentials)
        logger.info(
            "aws engine enabled",
            metadata: [
                "roles": "\(configuration.roles.map(\.name).joined(separator: ","))",
                "sts_endpoint": "\(sts.endpoint)", "credentials": "\(settings.credentials.name)",
            ])
        return engine
    }

    private static func createPrivateDirectory(_ path: String) throws(LessorError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw LessorError(.configInvalid, "cannot create the data directory \(path)")
        }
    }
}

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
/// log, token engine and the use cases over them, plus the background services they need.
struct BrokerAssembly: Sendable {
    let broker: Broker
    let audit: AuditLog
    let tokenEngine: TokenEngine
    let certificateKey: AuditSigningKey
    /// Runs before, and stops after, every service in `services`.
    let postgres: PostgresLeaseStore?
    let services: [any Service]

    static func open(
        _ configuration: LessorConfiguration, policies: PolicyBundleStore, serverURL: String, logger: Logger
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
                checkpointInterval: settings.checkpointInterval),
            logger: logger)

        let store: any LeaseStore
        var postgres: PostgresLeaseStore?
        switch settings.store {
        case .sqlite(let path):
            store = try SQLiteLeaseStore.open(path: path ?? "\(data)/lessor.sqlite")
        case .postgres(let urlFile):
            guard let text = FileManager.default.contents(atPath: urlFile) else {
                throw LessorError(.configInvalid, "cannot read the PostgreSQL URL file \(urlFile)")
            }
            let shared = PostgresLeaseStore(
                configuration: try PostgresStoreConfiguration(
                    url: String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)),
                logger: logger)
            postgres = shared
            store = shared
        }

        let maxLifetime = policies.current.classes.values.map(\.maxTTL).max() ?? .seconds(43_200)
        let tokenEngine = try TokenEngine(
            issuer: settings.tokenIssuer ?? serverURL,
            keyring: try TokenSigningKeyring(directory: settings.resolvedTokenKeyDirectory, now: Date()),
            maxTokenLifetime: maxLifetime)
        let broker = Broker(
            store: store, audit: audit, policies: policies, engines: [tokenEngine],
            keyring: TenantKeyring(brokerKey: brokerKey),
            settings: Broker.Settings(
                region: configuration.region, pendingGrace: settings.pendingGrace,
                maxRevokeAttempts: settings.maxRevokeAttempts),
            logger: logger)
        let services: [any Service] = [
            ExpirySweeper(broker: broker, interval: settings.sweepInterval),
            TokenKeyRotation(engine: tokenEngine, every: settings.tokenKeyRotation, logger: logger),
            AuditRetentionService(
                directories: settings.resolvedAuditDevices.compactMap {
                    if case .file(let directory, _, _) = $0 { directory } else { nil }
                }, policies: policies, logger: logger),
        ]
        return BrokerAssembly(
            broker: broker, audit: audit, tokenEngine: tokenEngine, certificateKey: signingKey, postgres: postgres,
            services: services)
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

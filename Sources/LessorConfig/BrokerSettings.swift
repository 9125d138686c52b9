import Foundation

/// The broker's state and engines as configured: where its data lives, which store and audit
/// devices it uses, its token issuer URL and its lease housekeeping.
public struct BrokerSettings: Sendable, Hashable {
    public enum Store: Sendable, Hashable {
        /// The embedded default; nil path means `<data_dir>/lessor.sqlite`.
        case sqlite(path: String?)
        /// Shared by several replicas. The URL (with its password) is read from a file so it
        /// never sits in the configuration itself.
        case postgres(urlFile: String)
    }

    public enum AuditDevice: Sendable, Hashable {
        case file(directory: String, maxSegmentBytes: Int, maxSegmentAge: Duration)
        case stdout
    }

    /// Keys (broker key, token keys), the SQLite file and the default audit directory.
    public var dataDirectory = "/var/lib/lessor"
    public var store = Store.sqlite(path: nil)
    /// Empty means one file device in `<data_dir>/audit/log`.
    public var auditDevices: [AuditDevice] = []
    /// Holds signing.key, hash.key and public-key.json (`lessor audit keygen`); nil means
    /// `<data_dir>/audit/keys`, created on first start.
    public var auditKeyDirectory: String?
    public var checkpointEveryRecords = 1000
    /// Names this broker's audit log in the lease store, which keeps each log's anchor (its last
    /// durable position); nil means `<host name>:<first file device's directory>`, distinct for
    /// every replica that shares a store.
    public var auditLogName: String?
    public var checkpointInterval = Duration.seconds(60)
    /// `iss` of broker-signed tokens and the base of their discovery document; nil means this
    /// server's own URL.
    public var tokenIssuer: String?
    /// The broker key that seals tenants' data keys; nil means `<data_dir>/broker.key`, created on
    /// first start. Replicas sharing one PostgreSQL must share this key (mount it from a Secret).
    public var brokerKeyFile: String?
    /// The token engine's signing keys; nil means `<data_dir>/token-keys`. Replicas behind one
    /// issuer URL should share it so every replica publishes every key.
    public var tokenKeyDirectory: String?
    /// How old the current token signing key may get before it is rotated.
    public var tokenKeyRotation = Duration.seconds(86_400)
    /// The `aws` engine (`engines.aws`); nil leaves it out of the broker.
    public var awsEngine: AWSEngineSettings?
    public var pendingGrace = Duration.seconds(120)
    public var sweepInterval = Duration.seconds(1)
    public var maxRevokeAttempts = 8

    public init() {}

    public var resolvedBrokerKeyFile: String { brokerKeyFile ?? "\(dataDirectory)/broker.key" }
    public var resolvedTokenKeyDirectory: String { tokenKeyDirectory ?? "\(dataDirectory)/token-keys" }
    public var resolvedAuditKeyDirectory: String { auditKeyDirectory ?? "\(dataDirectory)/audit/keys" }
    public var resolvedAuditLogName: String {
        if let auditLogName { return auditLogName }
        let device = resolvedAuditDevices.lazy.compactMap { device -> String? in
            if case .file(let directory, _, _) = device { directory } else { nil }
        }.first
        let path = device.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "stdout"
        return "\(ProcessInfo.processInfo.hostName):\(path)"
    }
    public var resolvedAuditDevices: [AuditDevice] {
        auditDevices.isEmpty
            ? [
                .file(
                    directory: "\(dataDirectory)/audit/log", maxSegmentBytes: 64 << 20, maxSegmentAge: .seconds(86_400))
            ]
            : auditDevices
    }
}

import Foundation
public import LessorCore
import LessorCrypto
import LessorEngines
public import LessorIdentity

/// Everything `lessor server` reads from its configuration file.
public struct LessorConfiguration: Sendable {
    public struct Server: Sendable, Hashable {
        public var host: String = "127.0.0.1"
        public var port: Int = 8200
        public var tlsCertificateChain: String?
        public var tlsPrivateKey: String?
        /// PEM bundle of the CAs whose client certificates are verified (optional mTLS).
        public var tlsClientCA: String?
        /// How often the certificate and key files are checked for a change, which reloads them as
        /// SIGHUP does (`server.tls.reload_interval`): a renewed Kubernetes Secret is picked up
        /// without a signal.
        public var tlsReloadInterval: Duration = .seconds(10)
        /// `server.tls.disabled_for_loopback: true`: plain HTTP, allowed only on a loopback address.
        public var plainHTTPOnLoopback = false
        /// A larger request body is refused with 413.
        public var maxBodyBytes = 64 * 1024
        /// The limit of one header field and of all header fields together.
        public var maxHeaderBytes = 32 * 1024
        /// A connection is closed this long after its last complete request part unless a request
        /// is being answered: idle keep-alive, a head sent a byte at a time, a stalled body.
        public var idleTimeout: Duration = .seconds(60)
        /// A request body must have arrived this long after its head, else 408 and a close.
        public var readTimeout: Duration = .seconds(30)
        /// Connections beyond this are left waiting in the listen backlog until one closes.
        public var maxConnections = 1024
        public init() {}
    }

    /// How `lessor server` writes its log lines to standard error.
    public enum LogFormat: String, Sendable, Hashable, CaseIterable {
        /// One JSON object per line (`JSONLogHandler`).
        case json
        /// swift-log's plain text lines.
        case text
    }

    public var server = Server()
    public var logLevel = "info"
    public var logFormat = LogFormat.json
    public var maxTokenBytes = TokenVerifier.defaultMaxTokenBytes
    public var issuers: [IssuerConfiguration] = []
    /// The policy bundle directory; without it the broker verifies tokens but binds no tenant.
    public var policiesDirectory: String?
    /// This broker's region; tenants whose residency excludes it are denied.
    public var region: String?
    public var broker = BrokerSettings()
    public var metrics = MetricsSettings()

    public init() {}

    /// Reads and validates a configuration file. Relative paths are resolved against the file's folder.
    public static func load(path: String) throws(LessorError) -> LessorConfiguration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw LessorError(.configInvalid, "\(path): cannot read the configuration file")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, file: path, baseDirectory: base)
    }

    public static func parse(yaml: String, file: String, baseDirectory: String) throws(LessorError)
        -> LessorConfiguration
    {
        let root = try ConfigNode.load(yaml: yaml, file: file)
        let members = try root.mapping(allowed: [
            "server", "log", "log_level", "max_token_bytes", "issuers", "policies", "region", "data_dir",
            "broker_key_file", "store", "audit",
            "token_engine", "engines", "leases", "metrics",
        ])
        var configuration = LessorConfiguration()
        let resolve = { (path: String) in path.hasPrefix("/") ? path : "\(baseDirectory)/\(path)" }
        if let server = members["server"] {
            let fields = try server.mapping(allowed: [
                "address", "port", "tls", "max_body_bytes", "max_header_bytes", "idle_timeout", "read_timeout",
                "max_connections",
            ])
            if let address = fields["address"] { configuration.server.host = try address.string() }
            if let port = fields["port"] { configuration.server.port = try port.int(in: 0...65535) }
            if let body = fields["max_body_bytes"] {
                configuration.server.maxBodyBytes = try body.int(in: 1024...(1 << 20))
            }
            if let header = fields["max_header_bytes"] {
                configuration.server.maxHeaderBytes = try header.int(in: 1024...(1 << 20))
            }
            if let idle = fields["idle_timeout"] {
                configuration.server.idleTimeout = try idle.duration(in: .seconds(1)...(.seconds(3600)))
            }
            if let read = fields["read_timeout"] {
                configuration.server.readTimeout = try read.duration(in: .seconds(1)...(.seconds(3600)))
            }
            if let connections = fields["max_connections"] {
                configuration.server.maxConnections = try connections.int(in: 1...1_000_000)
            }
            if let tls = fields["tls"] {
                let files = try tls.mapping(allowed: [
                    "certificate_chain", "private_key", "client_ca", "reload_interval", "disabled_for_loopback",
                ])
                if let disabled = files["disabled_for_loopback"], try disabled.bool() {
                    guard files.count == 1 else {
                        throw tls.error("disabled_for_loopback: true stands alone (no certificate or client_ca)")
                    }
                    guard LoopbackAddress.contains(configuration.server.host) else {
                        throw disabled.error(
                            "plain HTTP is allowed only on a loopback address, not \(configuration.server.host)")
                    }
                    configuration.server.plainHTTPOnLoopback = true
                } else {
                    guard let chain = files["certificate_chain"], let key = files["private_key"] else {
                        throw tls.error("tls needs both certificate_chain and private_key")
                    }
                    configuration.server.tlsCertificateChain = resolve(try chain.string())
                    configuration.server.tlsPrivateKey = resolve(try key.string())
                    if let clientCA = files["client_ca"] {
                        configuration.server.tlsClientCA = resolve(try clientCA.string())
                    }
                    if let interval = files["reload_interval"] {
                        configuration.server.tlsReloadInterval = try interval.duration(
                            in: .seconds(1)...(.seconds(3600)))
                    }
                }
            }
        }
        try parseLog(members, into: &configuration)
        if let policies = members["policies"] { configuration.policiesDirectory = resolve(try policies.string()) }
        if let region = members["region"] { configuration.region = try region.string() }
        configuration.broker = try parseBroker(members, resolve: resolve)
        if let metrics = members["metrics"] {
            configuration.metrics = try MetricsSettings.parse(metrics, defaultHost: configuration.server.host)
        }
        if let limit = members["max_token_bytes"] {
            configuration.maxTokenBytes = try limit.int(in: 1024...(1 << 20))
        }
        guard let issuers = members["issuers"] else { throw root.error("issuers: list at least one trusted issuer") }
        var seen: Set<String> = []
        for node in try issuers.sequence() {
            let issuer = try parseIssuer(node, resolve: resolve)
            guard seen.insert(issuer.issuer).inserted else {
                throw node.error("issuer \(issuer.issuer) is listed twice")
            }
            configuration.issuers.append(issuer)
        }
        guard !configuration.issuers.isEmpty else { throw issuers.error("list at least one trusted issuer") }
        if configuration.server.maxHeaderBytes < configuration.maxTokenBytes + 1024 {
            throw (members["server"] ?? root).error(
                "max_header_bytes must exceed max_token_bytes by at least 1024, so a bearer token fits its header")
        }
        return configuration
    }

    /// `log: {format, level}`; `log_level` is the older spelling of `log.level`.
    private static func parseLog(_ members: [String: ConfigNode], into configuration: inout LessorConfiguration)
        throws(LessorError)
    {
        let section = try members["log"]?.mapping(allowed: ["format", "level"]) ?? [:]
        if let format = section["format"] {
            guard let parsed = LogFormat(rawValue: try format.string()) else {
                throw format.error("must be json or text")
            }
            configuration.logFormat = parsed
        }
        if let older = members["log_level"], section["level"] != nil {
            throw older.error("log_level and log.level both set the level; keep log.level")
        }
        if let level = section["level"] ?? members["log_level"] {
            let value = try level.string()
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(value) else { throw level.error("must be one of \(levels.joined(separator: ", "))") }
            configuration.logLevel = value
        }
    }

    private static func parseBroker(_ members: [String: ConfigNode], resolve: (String) -> String) throws(LessorError)
        -> BrokerSettings
    {
        var settings = BrokerSettings()
        if let directory = members["data_dir"] { settings.dataDirectory = resolve(try directory.string()) }
        if let key = members["broker_key_file"] { settings.brokerKeyFile = resolve(try key.string()) }
        if let store = members["store"] {
            let fields = try store.mapping(allowed: ["sqlite", "postgres"])
            guard fields.count == 1 else { throw store.error("choose one store: sqlite or postgres") }
            if let sqlite = fields["sqlite"] {
                let options = try sqlite.mapping(allowed: ["path"])
                settings.store = .sqlite(
                    path: try options["path"].map { path throws(LessorError) in resolve(try path.string()) })
            }
            if let postgres = fields["postgres"] {
                let options = try postgres.mapping(allowed: ["url_file"])
                guard let file = options["url_file"] else {
                    throw postgres.error(
                        "postgres needs url_file: a file holding postgres://user:password@host:port/db")
                }
                settings.store = .postgres(urlFile: resolve(try file.string()))
            }
        }
        if let audit = members["audit"] {
            let fields = try audit.mapping(allowed: [
                "devices", "key_directory", "checkpoint_every", "checkpoint_interval", "log_name",
            ])
            for device in try fields["devices"]?.sequence() ?? [] {
                let options = try device.mapping(allowed: ["type", "directory", "max_segment_bytes", "max_segment_age"])
                switch try options["type"]?.string() {
                case "file":
                    guard let directory = options["directory"] else {
                        throw device.error("a file device needs directory")
                    }
                    settings.auditDevices.append(
                        .file(
                            directory: resolve(try directory.string()),
                            maxSegmentBytes: try options["max_segment_bytes"]?.int(in: 4096...(1 << 34)) ?? 64 << 20,
                            maxSegmentAge: try options["max_segment_age"]?.duration(
                                in: .seconds(60)...(.seconds(366 * 86_400)))
                                ?? .seconds(86_400)))
                case "stdout":
                    settings.auditDevices.append(.stdout)
                default:
                    throw device.error("type must be file or stdout")
                }
            }
            if let directory = fields["key_directory"] { settings.auditKeyDirectory = resolve(try directory.string()) }
            if let name = fields["log_name"] {
                let text = try name.string()
                guard (1...256).contains(text.utf8.count) else { throw name.error("log_name must be 1–256 characters") }
                settings.auditLogName = text
            }
            if let every = fields["checkpoint_every"] {
                settings.checkpointEveryRecords = try every.int(in: 1...1_000_000)
            }
            if let interval = fields["checkpoint_interval"] {
                settings.checkpointInterval = try interval.duration(in: .seconds(1)...(.seconds(86_400)))
            }
        }
        if let engine = members["token_engine"] {
            let fields = try engine.mapping(allowed: ["issuer", "key_directory", "rotate_every"])
            if let every = fields["rotate_every"] {
                settings.tokenKeyRotation = try every.duration(in: .seconds(3600)...(.seconds(366 * 86_400)))
            }
            if let directory = fields["key_directory"] { settings.tokenKeyDirectory = resolve(try directory.string()) }
            if let issuer = fields["issuer"] {
                let text = try issuer.string()
                guard text.hasPrefix("https://") || text.hasPrefix("http://127.0.0.1") else {
                    throw issuer.error("the token issuer must be an https:// URL")
                }
                settings.tokenIssuer = text.hasSuffix("/") ? String(text.dropLast()) : text
            }
        }
        if let engines = members["engines"] {
            let fields = try engines.mapping(allowed: ["aws"])
            if let aws = fields["aws"] { settings.awsEngine = try AWSEngineSettings.parse(aws, resolve: resolve) }
        }
        var graceNode: ConfigNode?
        if let leases = members["leases"] {
            let fields = try leases.mapping(allowed: ["pending_grace", "sweep_interval", "max_revoke_attempts"])
            if let grace = fields["pending_grace"] {
                settings.pendingGrace = try grace.duration(in: .seconds(1)...(.seconds(3600)))
                graceNode = grace
            }
            if let interval = fields["sweep_interval"] {
                settings.sweepInterval = try interval.duration(in: .seconds(1)...(.seconds(3600)))
            }
            if let attempts = fields["max_revoke_attempts"] {
                settings.maxRevokeAttempts = try attempts.int(in: 1...100)
            }
        }
        // The sweeper revokes an intent older than pending_grace as never answered: an engine
        // still issuing then would have its credential revoked under it.
        if let aws = settings.awsEngine?.engine, settings.pendingGrace <= aws.longestIssue,
            let node = graceNode ?? members["engines"]
        {
            throw node.error(
                "leases.pending_grace (\(settings.pendingGrace.components.seconds)s) must be longer than the aws "
                    + "engine's longest issue (\(aws.longestIssue.components.seconds)s: its credentials, then "
                    + "AssumeRole, each within engines.aws.timeout \(aws.timeout.components.seconds)s)")
        }
        return settings
    }

    private static func parseIssuer(_ node: ConfigNode, resolve: (String) -> String) throws(LessorError)
        -> IssuerConfiguration
    {
        let fields = try node.mapping(allowed: [
            "issuer", "discovery", "jwks_uri", "jwks_file", "ca_bundle", "audiences", "algorithms", "leeway_seconds",
            "max_token_age_seconds", "allow_insecure_loopback", "jwks", "fetch",
        ])
        guard let name = fields["issuer"] else { throw node.error("each issuer needs 'issuer' (its exact iss URL)") }
        guard let audiences = fields["audiences"] else { throw node.error("each issuer needs 'audiences'") }
        var issuer = IssuerConfiguration(issuer: try name.string(), audiences: try audiences.strings())
        let sources = ["discovery", "jwks_uri", "jwks_file"].filter { fields[$0] != nil }
        guard sources.count <= 1 else {
            throw node.error(
                "choose one key source: discovery, jwks_uri or jwks_file (got \(sources.joined(separator: ", ")))")
        }
        if let discovery = fields["discovery"], try !discovery.bool() {
            throw discovery.error("set jwks_uri or jwks_file instead of discovery: false")
        }
        if let uri = fields["jwks_uri"] { issuer.keySource = .jwksURI(try uri.string()) }
        if let file = fields["jwks_file"] { issuer.keySource = .staticFile(resolve(try file.string())) }
        if let bundle = fields["ca_bundle"] { issuer.caBundlePath = resolve(try bundle.string()) }
        if let algorithms = fields["algorithms"] {
            var allowed: Set<JWSAlgorithm> = []
            for item in try algorithms.sequence() {
                let text = try item.string()
                guard let algorithm = JWSAlgorithm(rawValue: text) else {
                    throw item.error(
                        "'\(text)' is not supported; use \(JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                allowed.insert(algorithm)
            }
            issuer.allowedAlgorithms = allowed
        }
        if let leeway = fields["leeway_seconds"] { issuer.leeway = try leeway.seconds(in: 0...300) }
        if let age = fields["max_token_age_seconds"] { issuer.maxTokenAge = try age.seconds(in: 60...31_536_000) }
        if let insecure = fields["allow_insecure_loopback"] { issuer.allowInsecureLoopback = try insecure.bool() }
        if let jwks = fields["jwks"] {
            let cache = try jwks.mapping(allowed: [
                "default_lifetime_seconds", "min_lifetime_seconds", "max_lifetime_seconds",
                "unknown_kid_refetch_interval_seconds", "max_staleness_seconds", "retry_interval_seconds",
            ])
            let day = 86_400
            if let value = cache["default_lifetime_seconds"] {
                issuer.cache.defaultLifetime = try value.seconds(in: 1...day)
            }
            if let value = cache["min_lifetime_seconds"] { issuer.cache.minLifetime = try value.seconds(in: 1...day) }
            if let value = cache["max_lifetime_seconds"] {
                issuer.cache.maxLifetime = try value.seconds(in: 1...7 * day)
            }
            if let value = cache["unknown_kid_refetch_interval_seconds"] {
                issuer.cache.unknownKeyRefetchInterval = try value.seconds(in: 1...day)
            }
            if let value = cache["max_staleness_seconds"] {
                issuer.cache.maxStaleness = try value.seconds(in: 1...30 * day)
            }
            if let value = cache["retry_interval_seconds"] {
                issuer.cache.retryInterval = try value.seconds(in: 1...day)
            }
        }
        if let fetch = fields["fetch"] {
            let limits = try fetch.mapping(allowed: ["connect_timeout_ms", "total_timeout_ms", "max_response_bytes"])
            if let value = limits["connect_timeout_ms"] {
                issuer.fetch.connectTimeout = try value.milliseconds(in: 10...60_000)
            }
            if let value = limits["total_timeout_ms"] {
                issuer.fetch.totalTimeout = try value.milliseconds(in: 10...120_000)
            }
            if let value = limits["max_response_bytes"] {
                issuer.fetch.maxResponseBytes = try value.int(in: 1024...(16 << 20))
            }
        }
        do {
            try issuer.validate()
        } catch {
            throw node.error(error.message)
        }
        return issuer
    }
}

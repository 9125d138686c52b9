import LessorConfig
import LessorCore
import LessorCrypto
import LessorIdentity
import Testing

@Suite("Configuration file: strict, with errors that name file, line and key")
struct LessorConfigurationTests {
    private func parse(_ yaml: String) throws(LessorError) -> LessorConfiguration {
        try LessorConfiguration.parse(yaml: yaml, file: "lessor.yaml", baseDirectory: "/etc/lessor")
    }

    private func message(_ yaml: String) -> String? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("A full configuration is read with every setting")
    func fullExample() throws {
        let configuration = try parse(
            """
            server:
              address: 0.0.0.0
              port: 8443
              tls:
                certificate_chain: tls/chain.pem
                private_key: /secrets/key.pem
            log_level: warning
            max_token_bytes: 8192
            issuers:
              - issuer: https://oidc.eks.eu-west-1.amazonaws.com/id/ABC
                audiences: [lessor, sts.amazonaws.com]
                algorithms: [RS256, ES256]
                ca_bundle: ca.pem
                leeway_seconds: 10
                max_token_age_seconds: 86400
                jwks:
                  default_lifetime_seconds: 120
                  min_lifetime_seconds: 60
                  max_lifetime_seconds: 900
                  unknown_kid_refetch_interval_seconds: 20
                  max_staleness_seconds: 7200
                  retry_interval_seconds: 5
                fetch:
                  connect_timeout_ms: 500
                  total_timeout_ms: 2000
                  max_response_bytes: 65536
              - issuer: https://kubernetes.default.svc
                jwks_file: keys/cluster.json
                audiences: [lessor]
            """)
        #expect(configuration.server.host == "0.0.0.0")
        #expect(configuration.server.port == 8443)
        #expect(configuration.server.tlsCertificateChain == "/etc/lessor/tls/chain.pem")
        #expect(configuration.server.tlsPrivateKey == "/secrets/key.pem")
        #expect(configuration.logLevel == "warning")
        #expect(configuration.maxTokenBytes == 8192)
        let eks = configuration.issuers[0]
        #expect(eks.keySource == .discovery)
        #expect(eks.audiences == ["lessor", "sts.amazonaws.com"])
        #expect(eks.allowedAlgorithms == [.rs256, .es256])
        #expect(eks.caBundlePath == "/etc/lessor/ca.pem")
        #expect(eks.leeway == .seconds(10))
        #expect(eks.cache.unknownKeyRefetchInterval == .seconds(20))
        #expect(eks.cache.maxStaleness == .seconds(7200))
        #expect(eks.fetch.totalTimeout == .milliseconds(2000))
        #expect(eks.fetch.maxResponseBytes == 65536)
        #expect(configuration.issuers[1].keySource == .staticFile("/etc/lessor/keys/cluster.json"))
    }

    @Test("Log format and server limits: defaults, and every key read")
    func logFormatAndLimits() throws {
        let issuer = "issuers: [{issuer: 'https://idp.example', audiences: [lessor]}]"
        let defaults = try parse(issuer)
        #expect(defaults.logFormat == .json)
        #expect(defaults.logLevel == "info")
        #expect(defaults.server.maxBodyBytes == 64 * 1024)
        #expect(defaults.server.idleTimeout == .seconds(60))
        #expect(defaults.server.readTimeout == .seconds(30))
        #expect(defaults.server.maxHeaderBytes == 32 * 1024)
        #expect(defaults.server.maxConnections == 1024)
        #expect(defaults.server.tlsReloadInterval == .seconds(10))
        let configured = try parse(
            """
            server:
              max_body_bytes: 8192
              idle_timeout: 2m
              read_timeout: 10s
              max_header_bytes: 65536
              max_connections: 50
            log: {format: text, level: debug}
            \(issuer)
            """)
        #expect(configured.logFormat == .text)
        #expect(configured.logLevel == "debug")
        #expect(configured.server.maxBodyBytes == 8192)
        #expect(configured.server.idleTimeout == .seconds(120))
        #expect(configured.server.readTimeout == .seconds(10))
        #expect(configured.server.maxHeaderBytes == 65536)
        #expect(configured.server.maxConnections == 50)
        let watched = try parse(
            "server: {tls: {certificate_chain: c.pem, private_key: k.pem, reload_interval: 30s}}\n\(issuer)")
        #expect(watched.server.tlsReloadInterval == .seconds(30))
    }

    @Test("An unknown key names file, line and the keys that are known")
    func unknownKey() {
        let text = message(
            """
            issuers:
              - issuer: https://idp.example
                audiences: [lessor]
                audience: [typo]
            """)
        #expect(text?.hasPrefix("lessor.yaml:4: issuers[0].audience: unknown key 'audience'") == true)
        #expect(text?.contains("audiences") == true)
    }

    @Test(
        "A URL is loopback by its host only",
        arguments: [
            ("http://127.0.0.1:8200", true), ("https://localhost/", true), ("http://[::1]:8200/v1", true),
            ("http://127.9.8.7", true), ("http://127.0.0.1.example.com:8200", false), ("http://10.0.0.1", false),
            ("http://lessor.example", false), ("http://user@example.com#@127.0.0.1", false), ("not a url", false),
        ])
    func loopbackURLs(url: String, loopback: Bool) {
        #expect(LoopbackAddress.contains(url: url) == loopback)
    }

    @Test("Plain http is refused unless flagged as a loopback development issuer")
    func plainHTTP() throws {
        #expect(
            message("issuers: [{issuer: 'http://idp.example', audiences: [a]}]")?.contains("must use https") == true)
        #expect(
            message("issuers: [{issuer: 'http://idp.example', audiences: [a], allow_insecure_loopback: true}]")?
                .contains("must use https") == true)
        let dev = try parse(
            "issuers: [{issuer: 'http://127.0.0.1:9000', audiences: [a], allow_insecure_loopback: true}]")
        #expect(dev.issuers[0].allowInsecureLoopback)
    }

    @Test(
        "Each mistake is named",
        arguments: [
            ("server: {port: 70000}\nissuers: []", "lessor.yaml:1: server.port: must be between 0 and 65535"),
            ("log_level: loud\nissuers: []", "log_level: must be one of"),
            ("log: {format: xml}\nissuers: []", "lessor.yaml:1: log.format: must be json or text"),
            ("log: {level: loud}\nissuers: []", "log.level: must be one of"),
            ("log: {level: info}\nlog_level: info\nissuers: []", "log_level and log.level both set the level"),
            ("log: {colour: red}\nissuers: []", "unknown key 'colour'"),
            ("server: {max_body_bytes: 10}\nissuers: []", "server.max_body_bytes"),
            ("server: {idle_timeout: 0s}\nissuers: []", "server.idle_timeout"),
            ("server: {max_connections: 0}\nissuers: []", "server.max_connections"),
            ("server: {read_timeout: 0s}\nissuers: []", "server.read_timeout"),
            (
                "server: {tls: {certificate_chain: c.pem, private_key: k.pem, reload_interval: 0s}}\nissuers: []",
                "server.tls.reload_interval"
            ),
            ("server: {write_timeout: 5s}\nissuers: []", "unknown key 'write_timeout'"),
            (
                "server: {max_header_bytes: 8192}\nissuers: [{issuer: 'https://a', audiences: [a]}]",
                "max_header_bytes must exceed max_token_bytes"
            ),
            ("server: {}", "issuers: list at least one trusted issuer"),
            ("issuers: []", "issuers: list at least one trusted issuer"),
            ("issuers: [{audiences: [a]}]", "each issuer needs 'issuer'"),
            ("issuers: [{issuer: 'https://a'}]", "each issuer needs 'audiences'"),
            ("issuers: [{issuer: 'https://a', audiences: []}]", "audiences must list at least one"),
            ("issuers: [{issuer: 'https://a', audiences: [a], algorithms: [HS256]}]", "'HS256' is not supported"),
            ("issuers: [{issuer: 'https://a', audiences: [a], algorithms: [none]}]", "'none' is not supported"),
            (
                "issuers: [{issuer: 'https://a', audiences: [a], jwks_uri: 'https://a/k', jwks_file: k}]",
                "choose one key source"
            ),
            ("issuers: [{issuer: 'https://a', audiences: [a]}, {issuer: 'https://a', audiences: [b]}]", "listed twice"),
            ("issuers: [{issuer: 'https://a', audiences: [a], leeway_seconds: 900}]", "between 0 and 300"),
            (
                "issuers: [{issuer: 'https://a', audiences: [a], jwks: {min_lifetime_seconds: 600, max_lifetime_seconds: 300}}]",
                "0 < min <= default <= max"
            ),
            (
                "issuers: [{issuer: 'https://a', audiences: [a], jwks_uri: 'http://a/k'}]",
                "jwks_uri 'http://a/k' must use https"
            ),
            ("issuers: {issuer: x}", "expected a list"),
            ("[1, 2]", "expected a mapping"),
            ("issuers: [\n  - a\n", "not valid YAML"),
        ])
    func namedMistakes(yaml: String, expected: String) {
        let text = message(yaml)
        #expect(text?.contains(expected) == true, "got: \(text ?? "no error")")
    }

    @Test("Broker state, store, audit devices, token engine and lease housekeeping are read, paths resolved")
    func brokerSections() throws {
        let configuration = try parse(
            """
            issuers: [{issuer: 'https://a', audiences: [a]}]
            data_dir: state
            broker_key_file: /run/secrets/broker.key
            store: {postgres: {url_file: pg-url}}
            audit:
              devices: [{type: file, directory: /var/log/lessor, max_segment_bytes: 1048576, max_segment_age: 1h}, {type: stdout}]
              key_directory: audit-keys
              checkpoint_every: 500
              checkpoint_interval: 30s
            token_engine: {issuer: 'https://lessor.example.com/', key_directory: /run/secrets/token-keys, rotate_every: 12h}
            leases: {pending_grace: 90s, sweep_interval: 2s, max_revoke_attempts: 5}
            """)
        let broker = configuration.broker
        #expect(broker.dataDirectory == "/etc/lessor/state")
        #expect(broker.resolvedBrokerKeyFile == "/run/secrets/broker.key")
        #expect(broker.store == .postgres(urlFile: "/etc/lessor/pg-url"))
        #expect(
            broker.resolvedAuditDevices == [
                .file(directory: "/var/log/lessor", maxSegmentBytes: 1 << 20, maxSegmentAge: .seconds(3600)), .stdout,
            ])
        #expect(broker.resolvedAuditKeyDirectory == "/etc/lessor/audit-keys")
        #expect(broker.checkpointEveryRecords == 500 && broker.checkpointInterval == .seconds(30))
        #expect(broker.tokenIssuer == "https://lessor.example.com")
        #expect(broker.resolvedTokenKeyDirectory == "/run/secrets/token-keys")
        #expect(broker.tokenKeyRotation == .seconds(12 * 3600))
        #expect(
            broker.pendingGrace == .seconds(90) && broker.sweepInterval == .seconds(2) && broker.maxRevokeAttempts == 5)
    }

    @Test("Without broker sections: SQLite and one file device under the data directory")
    func brokerDefaults() throws {
        let broker = try parse("issuers: [{issuer: 'https://a', audiences: [a]}]").broker
        #expect(broker.store == .sqlite(path: nil))
        #expect(broker.resolvedBrokerKeyFile == "/var/lib/lessor/broker.key")
        #expect(
            broker.resolvedAuditDevices == [
                .file(
                    directory: "/var/lib/lessor/audit/log", maxSegmentBytes: 64 << 20, maxSegmentAge: .seconds(86_400))
            ])
    }

    @Test(
        "Broker section mistakes are named",
        arguments: [
            ("store: {sqlite: {}, postgres: {url_file: u}}", "choose one store"),
            ("store: {postgres: {}}", "postgres needs url_file"),
            ("audit: {devices: [{type: syslog}]}", "type must be file or stdout"),
            ("audit: {devices: [{type: file}]}", "a file device needs directory"),
            ("token_engine: {issuer: 'http://lessor.example.com'}", "must be an https:// URL"),
            ("leases: {max_revoke_attempts: 0}", "between 1 and 100"),
            ("metrics: {tenant_label_limit: -1}", "between 0 and 100000"),
            ("metrics: {max_series: 10}", "max_series"),
            ("metrics: {address: 0.0.0.0}", "address needs port"),
        ])
    func brokerMistakes(section: String, expected: String) {
        let text = message("issuers: [{issuer: 'https://a', audiences: [a]}]\n\(section)")
        #expect(text?.contains(expected) == true, "got: \(text ?? "no error")")
    }

    @Test("metrics: tenant_label_limit (100 without it) and an optional listener of its own")
    func metricsSection() throws {
        let issuers = "issuers: [{issuer: 'https://a', audiences: [a]}]"
        let defaults = try parse(issuers).metrics
        #expect(defaults.tenantLabelLimit == 100 && defaults.listener == nil)
        let set = try parse("\(issuers)\nserver: {address: 10.0.0.1}\nmetrics: {tenant_label_limit: 25, port: 9464}")
        #expect(set.metrics.tenantLabelLimit == 25)
        #expect(set.metrics.listener == MetricsSettings.Listener(host: "10.0.0.1", port: 9464))
        let own = try parse("\(issuers)\nmetrics: {address: 0.0.0.0, port: 9464}").metrics.listener
        #expect(own == MetricsSettings.Listener(host: "0.0.0.0", port: 9464))
    }
}

@Suite("Configuration file: server.tls and plain HTTP")
struct ServerTransportTests {
    private func parse(_ server: String) throws(LessorError) -> LessorConfiguration {
        try LessorConfiguration.parse(
            yaml: "server: \(server)\nissuers: [{issuer: 'https://a', audiences: [a]}]", file: "lessor.yaml",
            baseDirectory: "/etc/lessor")
    }

    @Test("TLS with a client CA; plain HTTP only on loopback with the explicit opt-out")
    func transport() throws {
        let tls = try parse("{tls: {certificate_chain: c.pem, private_key: k.pem, client_ca: ca.pem}}")
        #expect(tls.server.tlsClientCA == "/etc/lessor/ca.pem")
        try tls.server.requireTransportSecurity()

        let optedOut = try parse("{address: 127.0.0.1, tls: {disabled_for_loopback: true}}")
        #expect(optedOut.server.plainHTTPOnLoopback)
        try optedOut.server.requireTransportSecurity()

        #expect(throws: LessorError.self) { try parse("{address: 127.0.0.1}").server.requireTransportSecurity() }
        #expect(throws: LessorError.self) { try parse("{address: 10.0.0.5, tls: {disabled_for_loopback: true}}") }
        #expect(throws: LessorError.self) {
            try parse("{tls: {disabled_for_loopback: true, certificate_chain: c.pem}}")
        }

        // An explicit false is the default: TLS as configured beside it, or the usual demand for it.
        let explicit = try parse(
            "{tls: {disabled_for_loopback: false, certificate_chain: c.pem, private_key: k.pem}}")
        #expect(!explicit.server.plainHTTPOnLoopback && explicit.server.tlsCertificateChain == "/etc/lessor/c.pem")
        let bare = #expect(throws: LessorError.self) { try parse("{tls: {disabled_for_loopback: false}}") }
        #expect(
            bare?.message.contains("tls needs both certificate_chain and private_key") == true, "\(bare?.message ?? "")"
        )
    }

    @Test(
        "loopback addresses",
        arguments: [
            ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true), ("[::1]", true),
            ("0.0.0.0", false), ("::", false), ("10.0.0.1", false), ("127.0.0", false), ("lessor.svc", false),
        ])
    func loopback(host: String, expected: Bool) {
        #expect(LoopbackAddress.contains(host) == expected)
    }
}

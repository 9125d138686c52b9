import Foundation
import LessorConfig
import LessorCore
import Logging
import Testing

@Suite("Policy reload: a refused bundle never replaces the serving one")
struct PolicyReloaderTests {
    static func bundle(issuer: String = "https://idp.example", maxTTL: String = "1h") -> [String: String] {
        [
            "classes.yaml": """
            classes:
              - {name: basic, default_ttl: 15m, max_ttl: \(maxTTL), engines: [token], residency: [eu-west-1],
                 audit_retention_days: 30, rate_limit: {requests_per_second: 5, burst: 10}, max_leases: 10, isolation: pooled}
            """,
            "tenants.yaml": "tenants: [{id: acme, class: basic}]",
            "bindings.yaml": """
            bindings:
              - name: apps
                issuer: \(issuer)
                bound_claims: {kubernetes.io.namespace: tenant-*}
                tenant_from: {claim: kubernetes.io.namespace, template: "tenant-{tenant}"}
                policies: [app]
            """,
            "rules.yaml": "policies: [{name: app, rules: [{path: token/audiences/*, capabilities: [read]}]}]",
        ]
    }

    static func write(_ files: [String: String], to directory: String) throws {
        for (name, text) in files {
            try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("policies-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    @Test("A valid change is installed; an invalid one is refused and shown; fixing it installs again")
    func reloadCycle() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.write(Self.bundle(), to: directory)
        let store = PolicyBundleStore(try PolicyBundleLoader.load(directory: directory))
        let reloader = PolicyReloader(directory: directory, store: store, logger: logger)
        let original = store.status.digest

        try Self.write(Self.bundle(maxTTL: "2h"), to: directory)
        reloader.reload()
        let changed = store.status.digest
        #expect(changed != original)
        #expect(store.status.lastFailure == nil)

        try "tenants: [{id: acme, class: gold}]".write(
            toFile: "\(directory)/tenants.yaml", atomically: true, encoding: .utf8)
        reloader.reload()
        #expect(store.status.digest == changed)
        #expect(store.current.tenants["acme"]?.className == "basic")
        #expect(store.status.lastFailure?.contains("tenants.yaml:1") == true)
        #expect(store.status.lastFailure?.contains("unknown class 'gold'") == true)

        try Self.write(Self.bundle(maxTTL: "3h"), to: directory)
        reloader.reload()
        #expect(store.status.lastFailure == nil)
        #expect(store.current.classes["basic"]?.maxTTL == .seconds(3 * 3600))
    }

    @Test("On a server that verifies no client certificates, a reload that requires one is refused")
    func reloadRequiringClientCertificatesIsRefused() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.write(Self.bundle(), to: directory)
        let store = PolicyBundleStore(try PolicyBundleLoader.load(directory: directory))
        let reloader = PolicyReloader(
            directory: directory, store: store, verifiesClientCertificates: false, logger: logger)
        let original = store.status.digest

        try """
        bindings:
          - {name: admins, issuer: https://idp.example, bound_claims: {kubernetes.io.namespace: platform},
             global_role: admin, policies: [operators], require_client_certificate: true}
        policies:
          - {name: operators, scope: global, rules: [{path: tenants/*, capabilities: [update]}]}
        """.write(toFile: "\(directory)/admins.yaml", atomically: true, encoding: .utf8)
        reloader.reload()
        #expect(store.status.digest == original, "the serving bundle stays")
        #expect(store.status.lastFailure?.contains("admins.yaml:2") == true, "\(store.status.lastFailure ?? "")")
        #expect(store.status.lastFailure?.contains("server.tls.client_ca") == true, "\(store.status.lastFailure ?? "")")
    }

    @Test("The running reloader notices a changed file without a signal")
    func fileChangeIsNoticed() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.write(Self.bundle(), to: directory)
        let store = PolicyBundleStore(try PolicyBundleLoader.load(directory: directory))
        let original = store.status.digest
        let reloader = PolicyReloader(directory: directory, store: store, interval: .milliseconds(50), logger: logger)
        let task = Task { try await reloader.run() }
        defer { task.cancel() }
        try await Task.sleep(for: .milliseconds(120))
        try Self.write(Self.bundle(maxTTL: "2h"), to: directory)
        var attempts = 0
        while store.status.digest == original, attempts < 200 {
            try await Task.sleep(for: .milliseconds(50))
            attempts += 1
        }
        #expect(store.status.digest != original)
        #expect(store.current.classes["basic"]?.maxTTL == .seconds(7200))
    }
}

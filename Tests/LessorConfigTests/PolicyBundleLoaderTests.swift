import Foundation
import LessorConfig
import LessorCore
import Testing

/// A policy directory written to a temporary location: a valid base bundle, with files replaced or removed.
private struct PolicyDirectory {
    static let base: [String: String] = [
        "classes.yaml": """
        classes:
          - name: basic
            default_ttl: 15m
            max_ttl: 1h
            engines: [token, db]
            residency: [eu-west-1]
            audit_retention_days: 30
            rate_limit: {requests_per_second: 5, burst: 10}
            max_leases: 10
            isolation: pooled
        """,
        "tenants/acme.yaml": """
        tenants:
          - id: acme
            class: basic
        """,
        "tenants/globex.yaml": """
        tenants:
          - id: globex
            class: basic
        """,
        "bindings.yaml": """
        bindings:
          - name: apps
            issuer: https://idp.example
            audiences: [lessor]
            bound_claims:
              kubernetes.io.namespace: tenant-*
              kubernetes.io.serviceaccount.name: app-*
            tenant_from: {claim: kubernetes.io.namespace, template: "tenant-{tenant}"}
            policies: [app]
        """,
        "rules.yaml": """
        policies:
          - name: app
            rules:
              - path: token/audiences/*
                capabilities: [read]
                max_ttl: 30m
        """,
    ]

    let path: String

    init(_ changes: [String: String?] = [:]) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("policy-loader-\(UUID().uuidString)").path
        var files = Self.base
        for (name, text) in changes { files[name] = text }
        for (name, text) in files {
            let file = "\(path)/\(name)"
            try FileManager.default.createDirectory(
                atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func load() throws -> PolicyBundle { try PolicyBundleLoader.load(directory: path) }

    /// Every issue the loader reports; none when the bundle loads.
    func issues() -> [PolicyIssue] {
        do {
            _ = try PolicyBundleLoader.load(directory: path)
            return []
        } catch {
            return error.issues
        }
    }

    static func issues(_ changes: [String: String?]) throws -> [PolicyIssue] {
        let directory = try PolicyDirectory(changes)
        defer { directory.remove() }
        return directory.issues()
    }
}

private func issue(_ file: String, _ line: Int, _ message: String) -> PolicyIssue {
    PolicyIssue(LessorCore.SourceLocation(file: file, line: line), message)
}

@Suite("Policy bundle loader: every error names its file, line and what to fix")
struct PolicyBundleLoaderErrorTests {
    @Test("The base bundle loads")
    func baseLoads() throws {
        let directory = try PolicyDirectory()
        defer { directory.remove() }
        let bundle = try directory.load()
        #expect(bundle.tenants.keys.sorted() == ["acme", "globex"])
        #expect(bundle.digest.count == 64)
    }

    @Test("Unknown keys, at the top level and inside a binding")
    func unknownKeys() throws {
        let issues = try PolicyDirectory.issues([
            "tenants/globex.yaml": """
            tenant:
              - id: globex
                class: basic
            """,
            "bindings.yaml": """
            bindings:
              - name: apps
                issuer: https://idp.example
                bound_claims:
                  kubernetes.io.namespace: tenant-*
                tenant_from: {claim: kubernetes.io.namespace, template: "tenant-{tenant}"}
                polices: [app]
            """,
        ])
        #expect(
            issues == [
                issue(
                    "bindings.yaml", 7,
                    "bindings[0].polices: unknown key 'polices' (known keys: audiences, bound_claims, client_certificate_names, delegation, global_role, issuer, max_token_age, name, policies, require_client_certificate, tenant, tenant_from)"
                ),
                issue(
                    "tenants/globex.yaml", 1,
                    "tenant: unknown key 'tenant' (known keys: bindings, classes, policies, tenants)"),
            ])
    }

    @Test("Bad rule paths: '..', a leading '/', '**' not last, an unknown template, a tenant path naming 'tenants/'")
    func badPaths() throws {
        let issues = try PolicyDirectory.issues([
            "rules.yaml": """
            policies:
              - name: app
                rules:
                  - path: token/audiences/*
                    capabilities: [read]
              - name: dots
                rules:
                  - path: token/../globex
                    capabilities: [read]
              - name: rooted
                rules:
                  - path: /aws/roles/x
                    capabilities: [read]
              - name: rest
                rules:
                  - path: aws/**/x
                    capabilities: [read]
              - name: template
                rules:
                  - path: "token/{{identity.pod}}"
                    capabilities: [read]
              - name: cross
                rules:
                  - path: tenants/globex/leases
                    capabilities: [read]
            """
        ])
        let segmentRule = "segments are 1–128 of A-Z a-z 0-9 - _ . @ + = , and never '.' or '..' or empty"
        #expect(
            issues == [
                issue("rules.yaml", 8, "policies[1].rules[0].path: path segment '..' is invalid: \(segmentRule)"),
                issue(
                    "rules.yaml", 12,
                    "policies[2].rules[0].path: paths are relative to the tenant; remove the leading '/'"),
                issue(
                    "rules.yaml", 16,
                    "policies[3].rules[0].path: '**' may only be the last segment, after at least one other"),
                issue(
                    "rules.yaml", 20,
                    "policies[4].rules[0].path: unknown template in '{{identity.pod}}'; use {{identity.namespace}} or {{identity.serviceaccount}}"
                ),
                issue(
                    "rules.yaml", 24,
                    "policies[5].rules[0].path: 'tenants/…' names broker-wide state; only scope: global policies may use it (cross-tenant path)"
                ),
            ])
    }

    @Test("A bound claim without a glob is refused")
    func emptyClaimGlob() throws {
        let issues = try PolicyDirectory.issues([
            "bindings.yaml": """
            bindings:
              - name: apps
                issuer: https://idp.example
                bound_claims:
                  kubernetes.io.namespace: ""
                tenant: acme
                policies: [app]
            """
        ])
        #expect(
            issues == [
                issue(
                    "bindings.yaml", 5,
                    "bindings[0].bound_claims.kubernetes.io.namespace: bind each claim to a non-empty glob or list of globs"
                )
            ])
    }

    @Test("Overlapping bindings are refused with a message naming both")
    func overlappingBindings() throws {
        let issues = try PolicyDirectory.issues([
            "bindings-extra.yaml": """
            # A second binding for one of the namespaces the first already maps.

            bindings:
              - name: acme-web-as-globex
                issuer: https://idp.example
                bound_claims:
                  kubernetes.io.namespace: tenant-acme
                  kubernetes.io.serviceaccount.name: app-web
                tenant: globex
                policies: [app]
            """
        ])
        #expect(
            issues == [
                issue(
                    "bindings.yaml", 2,
                    "bindings acme-web-as-globex (bindings-extra.yaml:4) and apps can both match one identity; make their bound_claims disjoint so every identity has exactly one binding"
                )
            ])
    }

    @Test("Unknown policies and unknown classes")
    func unknownReferences() throws {
        let issues = try PolicyDirectory.issues([
            "tenants/globex.yaml": """
            tenants:
              - id: globex
                class: gold
                policies: [extra]
            """,
            "bindings.yaml": """
            bindings:
              - name: apps
                issuer: https://idp.example
                bound_claims:
                  kubernetes.io.namespace: tenant-*
                tenant_from: {claim: kubernetes.io.namespace, template: "tenant-{tenant}"}
                policies: [app, missing]
            """,
        ])
        // Both of globex's problems are reported, at the same line: compare without depending on their order.
        #expect(issues.count == 3)
        #expect(
            Set(issues) == [
                issue("bindings.yaml", 2, "binding apps: unknown policy 'missing'"),
                issue("tenants/globex.yaml", 2, "tenant globex: unknown policy 'extra'"),
                issue("tenants/globex.yaml", 2, "tenant globex: unknown class 'gold' (known: basic)"),
            ])
    }

    @Test("Bindings that yield an undeclared tenant: fixed, or a template over a literal namespace")
    func undeclaredTenants() throws {
        let issues = try PolicyDirectory.issues([
            "bindings.yaml": """
            bindings:
              - name: apps
                issuer: https://idp.example
                bound_claims:
                  kubernetes.io.namespace: [tenant-acme, tenant-umbrella]
                tenant_from: {claim: kubernetes.io.namespace, template: "tenant-{tenant}"}
                policies: [app]
              - name: ci
                issuer: https://ci.example
                bound_claims: {sub: "repo:initech/*"}
                tenant: initech
                policies: [app]
            """
        ])
        #expect(
            issues == [
                issue(
                    "bindings.yaml", 2, "binding apps yields tenant 'umbrella', which is not declared under tenants/"),
                issue("bindings.yaml", 8, "binding ci yields tenant 'initech', which is not declared under tenants/"),
            ])
    }

    @Test("Duplicate names across files, each pointing at the first declaration")
    func duplicateNames() throws {
        let issues = try PolicyDirectory.issues([
            "tenants/acme-again.yaml": """
            tenants:
              - id: acme
                class: basic
            """,
            "more-rules.yaml": """
            policies:
              - name: app
                rules:
                  - path: db/roles/x
                    capabilities: [read]
            """,
        ])
        #expect(
            issues == [
                issue("rules.yaml", 2, "policy 'app' is already declared at more-rules.yaml:2"),
                issue("tenants/acme.yaml", 2, "tenant 'acme' is already declared at tenants/acme-again.yaml:2"),
            ])
    }

    @Test("An invalid tenant id")
    func invalidTenantID() throws {
        let issues = try PolicyDirectory.issues([
            "tenants/globex.yaml": """
            tenants:
              - id: Globex_Corp
                class: basic
            """
        ])
        #expect(
            issues == [
                issue(
                    "tenants/globex.yaml", 2,
                    "tenant id 'Globex_Corp' must be a DNS label (a-z, 0-9, '-', at most 63)")
            ])
    }

    @Test("A bad duration and a missing required key")
    func badDurationAndMissingKey() throws {
        let issues = try PolicyDirectory.issues([
            "classes.yaml": """
            classes:
              - name: basic
                default_ttl: 15 minutes
                max_ttl: 1h
                engines: [token, db]
                residency: [eu-west-1]
                audit_retention_days: 30
                rate_limit: {requests_per_second: 5, burst: 10}
                max_leases: 10
                isolation: pooled
              - name: advanced
                default_ttl: 15m
                engines: [token, db]
                residency: [eu-west-1]
                audit_retention_days: 30
                rate_limit: {requests_per_second: 5, burst: 10}
                max_leases: 10
                isolation: pooled
            """
        ])
        #expect(
            issues == [
                issue(
                    "classes.yaml", 3,
                    "classes[0].default_ttl: '15 minutes' is not a duration; write e.g. 90s, 15m, 1h or 7d"),
                issue("classes.yaml", 11, "classes[1]: missing required key 'max_ttl'"),
            ])
    }

    @Test("A directory reached through a symlink loads, and hidden entries such as a ConfigMap's ..data are skipped")
    func symlinkedAndConfigMapDirectories() throws {
        let plain = try PolicyDirectory()
        defer { plain.remove() }
        let expected = try plain.load().digest

        let link = plain.path + "-link"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: plain.path)
        defer { try? FileManager.default.removeItem(atPath: link) }
        #expect(try PolicyBundleLoader.load(directory: link).digest == expected)

        // The layout kubelet writes for a ConfigMap volume: the files in a timestamped directory, `..data` pointing at
        // it, and a symlink per file at the top.
        let mount = FileManager.default.temporaryDirectory.appendingPathComponent("configmap-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: mount) }
        let version = "\(mount)/..2026_01_01_00_00_00.000000001"
        try FileManager.default.createDirectory(atPath: version, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: "\(mount)/..data", withDestinationPath: "..2026_01_01_00_00_00.000000001")
        for (name, text) in PolicyDirectory.base {
            let flat = name.replacingOccurrences(of: "/", with: "-")
            try text.write(toFile: "\(version)/\(flat)", atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(
                atPath: "\(mount)/\(flat)", withDestinationPath: "..data/\(flat)")
        }
        try FileManager.default.createDirectory(atPath: "\(mount)/.github", withIntermediateDirectories: true)
        try "name: ci\non: push\n".write(toFile: "\(mount)/.github/ci.yaml", atomically: true, encoding: .utf8)
        #expect(try PolicyBundleLoader.load(directory: mount).digest == expected)
    }

    @Test("Every problem in every file is reported in one run")
    func everyProblemAtOnce() throws {
        let issues = try PolicyDirectory.issues([
            "tenants/acme.yaml": "tenants: [{id: acme, class: gold}]",
            "tenants/globex.yaml": "tenants: [{id: globex, class: basic, policies: [nope]}]",
        ])
        #expect(issues.map(\.location.file) == ["tenants/acme.yaml", "tenants/globex.yaml"])
    }
}

@Suite("Policy bundle loader: the shipped bundle, digests and policy tests")
struct PolicyBundleLoaderBundleTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("policies").path

    @Test("The shipped policies/ bundle loads and every case in its tests/ passes")
    func shippedBundlePassesItsTests() throws {
        let bundle = try PolicyBundleLoader.load(directory: Self.shipped)
        #expect(bundle.tenants.keys.sorted() == ["acme", "globex", "initech"])
        #expect(bundle.classes.keys.sorted() == ["advanced", "basic", "premium"])
        let suite = try PolicyTestSuite.load(directory: Self.shipped)
        #expect(suite.cases.count >= 10)
        for result in suite.run(against: bundle) {
            #expect(result.failures.isEmpty, "\(result.location) \(result.name): \(result.failures)")
        }
    }

    @Test("The digest ignores comments, key order, flow style and blank lines")
    func digestIsStableUnderReformatting() throws {
        let original = try PolicyDirectory()
        defer { original.remove() }
        let reformatted = try PolicyDirectory([
            "classes.yaml": """
            # Tiers.

            classes:
              - isolation: pooled        # shared
                max_leases: 10
                rate_limit:
                  burst: 10
                  requests_per_second: 5


                audit_retention_days: 30
                residency:
                  - eu-west-1
                engines: [db, token]
                max_ttl: 3600
                default_ttl: 900s
                name: basic
            """,
            "bindings.yaml": """
            bindings: [{name: apps, issuer: "https://idp.example", audiences: [lessor], policies: [app],
              tenant_from: {template: "tenant-{tenant}", claim: kubernetes.io.namespace},
              bound_claims: {kubernetes.io.serviceaccount.name: "app-*", kubernetes.io.namespace: "tenant-*"}}]
            """,
        ])
        defer { reformatted.remove() }
        #expect(try original.load().digest == reformatted.load().digest)
    }

    @Test(
        "The digest changes when the meaning changes",
        arguments: [
            "      - path: token/audiences/*\n        capabilities: [read, list]\n        max_ttl: 30m",
            "      - path: token/audiences/*\n        capabilities: [read]\n        max_ttl: 31m",
            "      - path: token/audience/*\n        capabilities: [read]\n        max_ttl: 30m",
            "      - path: token/audiences/*\n        capabilities: [read]",
        ])
    func digestChangesWithARule(rule: String) throws {
        let original = try PolicyDirectory()
        defer { original.remove() }
        let changed = try PolicyDirectory(["rules.yaml": "policies:\n  - name: app\n    rules:\n\(rule)\n"])
        defer { changed.remove() }
        #expect(try original.load().digest != changed.load().digest)
    }

    @Test("The policy test suite reports a wrong expectation as a failure, and a right one as a pass")
    func suiteReportsWrongExpectations() throws {
        let directory = try PolicyDirectory([
            "tests/cases.yaml": """
            tests:
              - name: acme reads its audience
                identity: {issuer: "https://idp.example", namespace: tenant-acme, service_account: app-web}
                request: {path: token/audiences/x, capability: read}
                expect: {decision: allow, tenant: acme, binding: apps, ttl: 15m}

              - name: wrongly expects a deny
                identity: {issuer: "https://idp.example", namespace: tenant-acme, service_account: app-web}
                request: {path: token/audiences/x, capability: read}
                expect: {decision: deny}

              - name: wrongly expects globex and a longer ttl
                identity: {issuer: "https://idp.example", namespace: tenant-acme, service_account: app-web}
                request: {path: token/audiences/x, capability: read, ttl: 1h}
                expect: {decision: allow, tenant: globex, ttl: 1h}
            """
        ])
        defer { directory.remove() }
        let results = try PolicyTestSuite.load(directory: directory.path).run(against: directory.load())
        #expect(
            results.map(\.name) == [
                "acme reads its audience", "wrongly expects a deny", "wrongly expects globex and a longer ttl",
            ])
        #expect(
            results.map(\.location) == [2, 7, 12].map { LessorCore.SourceLocation(file: "tests/cases.yaml", line: $0) })
        #expect(results[0].failures.isEmpty)
        #expect(results[1].failures.count == 1)
        #expect(results[1].failures.first?.hasPrefix("expected deny, got allow: tenant acme via apps") == true)
        #expect(results[2].failures == ["expected tenant globex, got acme", "expected ttl 3600 s, got 1800 s"])
    }

    @Test("A malformed test case is refused with its file and line")
    func malformedCase() throws {
        let directory = try PolicyDirectory([
            "tests/cases.yaml": """
            tests:
              - name: no capability
                identity: {issuer: "https://idp.example", namespace: tenant-acme, service_account: app-web}
                request: {path: token/x}
                expect: {decision: allow}
            """
        ])
        defer { directory.remove() }
        #expect {
            try PolicyTestSuite.load(directory: directory.path)
        } throws: { error in
            (error as? PolicyIssues)?.issues == [
                issue("tests/cases.yaml", 4, "tests[0].request: request needs path and capability")
            ]
        }
    }
}

import Foundation
import LessorConfig
import LessorCore
import Testing

/// The `delegation` section of a role binding: parsed into the model, covered by the digest, and
/// every mistake reported with its file and line.
@Suite("Role bindings: the delegation section")
struct DelegationBindingTests {
    static let base = """
        classes:
          - name: basic
            default_ttl: 15m
            max_ttl: 1h
            engines: [token]
            residency: [eu-west-1]
            audit_retention_days: 30
            rate_limit: {requests_per_second: 5, burst: 10}
            max_leases: 10
            isolation: pooled
        tenants:
          - {id: acme, class: basic}
        policies:
          - name: app
            rules:
              - path: token/audiences/*
                capabilities: [read]
          - name: admin
            scope: global
            rules:
              - path: tenants/*
                capabilities: [read]

        """

    /// `bindings.yaml` holds `bindings`; line 1 is `bindings:`, line 2 the first item.
    static func load(bindings: String, verifiesClientCertificates: Bool? = nil) throws(PolicyIssues) -> PolicyBundle {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "delegation-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try base.write(toFile: "\(directory)/base.yaml", atomically: true, encoding: .utf8)
            try bindings.write(toFile: "\(directory)/bindings.yaml", atomically: true, encoding: .utf8)
        } catch {
            throw PolicyIssues([PolicyIssue(SourceLocation(file: directory, line: 0), "cannot write: \(error)")])
        }
        return try PolicyBundleLoader.load(directory: directory, verifiesClientCertificates: verifiesClientCertificates)
    }

    static func issues(_ bindings: String) -> [PolicyIssue] {
        do {
            _ = try load(bindings: bindings)
            return []
        } catch {
            return error.issues
        }
    }

    static func binding(delegation: String, tenant: String = "tenant: acme") -> String {
        """
        bindings:
          - name: acme-users
            issuer: https://idp.acme.test
            bound_claims:
              sub: "user-*"
            \(tenant)
            policies: [app]
        \(delegation)
        """
    }

    static let valid = binding(
        delegation: """
                delegation:
                  actors:
                    issuer: https://kubernetes.default.svc
                    bound_claims:
                      sub: "system:serviceaccount:pool:runner-*"
                      kubernetes.io.namespace: [pool, pool-canary]
            """)

    static func issue(_ line: Int, _ message: String) -> PolicyIssue {
        PolicyIssue(SourceLocation(file: "bindings.yaml", line: line), message)
    }

    @Test("a delegation section loads into the binding; a binding without one has none")
    func loads() throws {
        let bundle = try Self.load(bindings: Self.valid)
        let binding = try #require(bundle.bindings.first { $0.name == "acme-users" })
        let delegation = try #require(binding.delegation)
        #expect(delegation.actorIssuer == "https://kubernetes.default.svc")
        #expect(delegation.actorClaims[ClaimPath("sub")] == [ClaimGlob("system:serviceaccount:pool:runner-*")])
        #expect(
            delegation.actorClaims[ClaimPath("kubernetes.io.namespace")] == [
                ClaimGlob("pool"), ClaimGlob("pool-canary"),
            ])

        let plain = try Self.load(bindings: Self.binding(delegation: ""))
        #expect(plain.bindings.first?.delegation == nil)
    }

    @Test("the actor selector admits only its issuer and claims")
    func admits() throws {
        let delegation = try #require(try Self.load(bindings: Self.valid).bindings.first?.delegation)
        func actor(_ issuer: String, _ sub: String, namespace: String) -> VerifiedIdentity {
            VerifiedIdentity(
                issuer: issuer, subject: sub, audiences: [], expiresAt: Date().addingTimeInterval(60), issuedAt: nil,
                notBefore: nil, tokenID: nil, keyID: nil, algorithm: "RS256", kubernetes: nil,
                claims: ["sub": .string(sub), "kubernetes.io": .object(["namespace": .string(namespace)])])
        }
        let issuer = "https://kubernetes.default.svc"
        #expect(delegation.admits(actor(issuer, "system:serviceaccount:pool:runner-1", namespace: "pool")))
        #expect(delegation.admits(actor(issuer, "system:serviceaccount:pool:runner-2", namespace: "pool-canary")))
        #expect(!delegation.admits(actor(issuer, "system:serviceaccount:pool:web-1", namespace: "pool")))
        #expect(!delegation.admits(actor(issuer, "system:serviceaccount:pool:runner-1", namespace: "tenant-acme")))
        #expect(
            !delegation.admits(actor("https://other.test", "system:serviceaccount:pool:runner-1", namespace: "pool")))
    }

    @Test("the digest covers delegation, and bundles without it keep their digest")
    func digest() throws {
        let with = try Self.load(bindings: Self.valid).digest
        let otherActors = try Self.load(
            bindings: Self.valid.replacingOccurrences(of: "runner-*", with: "builder-*")
        ).digest
        let without = try Self.load(bindings: Self.binding(delegation: "")).digest
        let reformatted = try Self.load(
            bindings: Self.valid.replacingOccurrences(of: "[pool, pool-canary]", with: "[pool-canary, pool]")
        ).digest
        #expect(with != otherActors)
        #expect(with != without)
        #expect(with == reformatted)
    }

    @Test("unknown keys in delegation and in actors name their file and line")
    func unknownKeys() {
        let misspelled = Self.binding(
            delegation: """
                    delegation:
                      actor:
                        issuer: https://kubernetes.default.svc
                """)
        #expect(
            Self.issues(misspelled) == [
                Self.issue(9, "bindings[0].delegation.actor: unknown key 'actor' (known keys: actors)")
            ])
        let extra = Self.binding(
            delegation: """
                    delegation:
                      actors:
                        issuer: https://kubernetes.default.svc
                        audiences: [lessor]
                        bound_claims:
                          sub: "system:serviceaccount:pool:*"
                """)
        #expect(
            Self.issues(extra) == [
                Self.issue(
                    11,
                    "bindings[0].delegation.actors.audiences: unknown key 'audiences' (known keys: bound_claims, issuer)"
                )
            ])
    }

    @Test("missing issuer, missing or empty bound_claims, and a non-mapping section are refused with their line")
    func missingParts() {
        let noIssuer = Self.binding(
            delegation: """
                    delegation:
                      actors:
                        bound_claims:
                          sub: "system:serviceaccount:pool:*"
                """)
        #expect(
            Self.issues(noIssuer) == [
                Self.issue(10, "bindings[0].delegation.actors: missing required key 'issuer'")
            ])
        let noClaims = Self.binding(
            delegation: """
                    delegation:
                      actors:
                        issuer: https://kubernetes.default.svc
                """)
        #expect(
            Self.issues(noClaims) == [
                Self.issue(10, "bindings[0].delegation.actors: missing required key 'bound_claims'")
            ])
        let emptyClaims = Self.binding(
            delegation: """
                    delegation:
                      actors:
                        issuer: https://kubernetes.default.svc
                        bound_claims: {}
                """)
        #expect(
            Self.issues(emptyClaims) == [
                Self.issue(
                    11,
                    "bindings[0].delegation.actors.bound_claims: an actor selector must constrain at least one claim (e.g. sub)"
                )
            ])
        let scalar = Self.binding(delegation: "    delegation: yes")
        #expect(Self.issues(scalar) == [Self.issue(8, "bindings[0].delegation: expected a mapping")])
    }

    @Test("bad globs: empty, or only '*', are refused with their line")
    func badGlobs() {
        for (glob, message) in [
            ("\"\"", "bind each claim to a non-empty glob or list of globs"),
            (
                "\"*\"",
                "actor glob '*' for sub matches every value; pin the actors it admits (e.g. system:serviceaccount:pool:*)"
            ),
            (
                "[\"system:serviceaccount:pool:*\", \"**\"]",
                "actor glob '**' for sub matches every value; pin the actors it admits (e.g. system:serviceaccount:pool:*)"
            ),
        ] {
            let bindings = Self.binding(
                delegation: """
                        delegation:
                          actors:
                            issuer: https://kubernetes.default.svc
                            bound_claims:
                              sub: \(glob)
                    """)
            #expect(
                Self.issues(bindings) == [Self.issue(12, "bindings[0].delegation.actors.bound_claims.sub: \(message)")],
                "\(glob)")
        }
    }

    @Test("a global binding cannot delegate")
    func globalCannotDelegate() {
        let bindings = Self.binding(
            delegation: """
                    delegation:
                      actors:
                        issuer: https://kubernetes.default.svc
                        bound_claims:
                          sub: "system:serviceaccount:pool:*"
                """, tenant: "global_role: admin"
        ).replacingOccurrences(of: "policies: [app]", with: "policies: [admin]")
        #expect(
            Self.issues(bindings) == [
                Self.issue(
                    9,
                    "bindings[0].delegation: binding acme-users: a global binding acts for no tenant, so it cannot delegate"
                )
            ])
    }
}

import Foundation
import LessorCore
import Testing

/// Builds bundles in code for the decision tests and the isolation property test.
enum PolicyFixture {
    static let cluster = "https://kubernetes.default.svc.cluster.local"
    static let ci = "https://ci.example.com"
    static let sso = "https://sso.example.com"
    static let namespaceClaim = ClaimPath("kubernetes.io.namespace")
    static let accountClaim = ClaimPath("kubernetes.io.serviceaccount.name")

    static func at(_ line: Int = 1, _ file: String = "test.yaml") -> LessorCore.SourceLocation {
        LessorCore.SourceLocation(file: file, line: line)
    }

    static func tenantClass(
        _ name: String, defaultTTL: Duration = .seconds(900), maxTTL: Duration = .seconds(3600),
        engines: Set<String> = ["token", "db"], residency: [String] = ["eu-west-1", "eu-central-1"]
    ) -> TenantClass {
        TenantClass(
            name: name, defaultTTL: defaultTTL, maxTTL: maxTTL, engines: engines, residency: residency,
            auditRetentionDays: 90, requestsPerSecond: 10, burst: 20, maxLeases: 100, isolation: .pooled,
            location: at())
    }

    static func tenant(
        _ id: String, class className: String = "basic", residency: [String]? = nil, policies: [String] = []
    ) -> TenantDeclaration {
        TenantDeclaration(id: id, className: className, residency: residency, policies: policies, location: at())
    }

    static func binding(
        _ name: String, issuer: String = cluster, audiences: [String] = [], claims: [ClaimPath: [String]],
        tenant: RoleBinding.TenantSource, policies: [String], maxTokenAge: Duration? = nil, line: Int = 1
    ) -> RoleBinding {
        RoleBinding(
            name: name, issuer: issuer, audiences: audiences,
            boundClaims: claims.mapValues { $0.map(ClaimGlob.init) }, tenant: tenant, policies: policies,
            maxTokenAge: maxTokenAge, location: at(line))
    }

    /// The binding every tenant workload uses: namespace `tenant-<id>`, service account `app-*`.
    static func appsBinding(
        _ name: String = "tenant-apps", namespace: String = "tenant-*", account: String = "app-*",
        policies: [String] = ["app"], maxTokenAge: Duration? = nil
    ) -> RoleBinding {
        binding(
            name, claims: [namespaceClaim: [namespace], accountClaim: [account]],
            tenant: .template(claim: namespaceClaim, template: "tenant-{tenant}"), policies: policies,
            maxTokenAge: maxTokenAge)
    }

    static func rule(_ path: String, _ capabilities: Set<Capability>, maxTTL: Duration? = nil, global: Bool = false)
        throws -> Policy.Rule
    {
        Policy.Rule(
            path: try PathPattern.parse(path, global: global).get(), capabilities: capabilities, maxTTL: maxTTL,
            location: at())
    }

    static func policy(_ name: String, scope: Policy.Scope = .tenant, _ rules: [Policy.Rule]) -> Policy {
        Policy(name: name, scope: scope, rules: rules, location: at())
    }

    static func validate(
        classes: [TenantClass] = [tenantClass("basic")], tenants: [TenantDeclaration],
        bindings: [RoleBinding], policies: [Policy], digest: String = "digest", commit: String? = nil
    ) -> Result<PolicyBundle, PolicyIssues> {
        PolicyBundle.validate(
            classes: classes, tenants: tenants, bindings: bindings, policies: policies, digest: digest,
            commit: commit)
    }

    static func bundle(
        classes: [TenantClass] = [tenantClass("basic")], tenants: [TenantDeclaration],
        bindings: [RoleBinding], policies: [Policy], digest: String = "digest", commit: String? = nil
    ) throws -> PolicyBundle {
        try validate(
            classes: classes, tenants: tenants, bindings: bindings, policies: policies, digest: digest,
            commit: commit
        ).get()
    }

    /// Every validation message, for asserting that a bundle was refused and why.
    static func refusals(_ result: Result<PolicyBundle, PolicyIssues>) -> [String] {
        switch result {
        case .success: return []
        case .failure(let issues): return issues.issues.map(\.message)
        }
    }

    /// A projected service-account token's identity, with the claims and the typed view agreeing.
    static func workload(
        namespace: String, account: String, audiences: [String] = ["lessor"], issuer: String = cluster,
        lifetime: TimeInterval? = 3600
    ) -> VerifiedIdentity {
        let issued = Date(timeIntervalSince1970: 1_700_000_000)
        let subject = "system:serviceaccount:\(namespace):\(account)"
        return VerifiedIdentity(
            issuer: issuer, subject: subject, audiences: audiences,
            expiresAt: issued.addingTimeInterval(lifetime ?? 3600), issuedAt: lifetime == nil ? nil : issued,
            notBefore: nil, tokenID: nil, keyID: nil, algorithm: "ES256",
            kubernetes: KubernetesIdentity(
                namespace: namespace, serviceAccount: .init(name: account, uid: nil)),
            claims: [
                "iss": .string(issuer), "sub": .string(subject), "aud": .array(audiences.map(JSONValue.string)),
                "kubernetes.io": .object([
                    "namespace": .string(namespace), "serviceaccount": .object(["name": .string(account)]),
                ]),
            ])
    }

    /// A token that is not a Kubernetes service account: any claims.
    static func person(
        issuer: String, subject: String, audiences: [String] = ["lessor"], claims: [String: JSONValue] = [:]
    )
        -> VerifiedIdentity
    {
        let issued = Date(timeIntervalSince1970: 1_700_000_000)
        var all = claims
        all["iss"] = .string(issuer)
        all["sub"] = .string(subject)
        return VerifiedIdentity(
            issuer: issuer, subject: subject, audiences: audiences, expiresAt: issued.addingTimeInterval(600),
            issuedAt: issued, notBefore: nil, tokenID: nil, keyID: nil, algorithm: "ES256", kubernetes: nil,
            claims: all)
    }

    static func request(_ path: String, _ capability: Capability = .read, ttl: Duration? = nil) throws
        -> PolicyRequest
    {
        PolicyRequest(path: try RequestPath(path), capability: capability, requestedTTL: ttl)
    }

    static let writeCapabilities: [Capability] = [.create, .update, .delete]
    static let grantingCapabilities: [Capability] = [.read, .list, .create, .update, .delete]

    /// Two tenants in different classes; apps get everything on their own tenant's engines.
    static func twoTenants(digest: String = "digest", commit: String? = nil) throws -> PolicyBundle {
        let everything: Set<Capability> = [.read, .create, .update, .delete, .list]
        return try bundle(
            classes: [
                tenantClass("basic"),
                tenantClass(
                    "advanced", defaultTTL: .seconds(1800), maxTTL: .seconds(14_400), engines: ["token", "db", "aws"],
                    residency: ["eu-west-1", "us-east-1"]),
            ],
            tenants: [tenant("acme"), tenant("globex", class: "advanced")],
            bindings: [
                appsBinding(),
                binding(
                    "admins", issuer: ci, claims: [ClaimPath("sub"): ["repo:platform/admin:ref:refs/heads/main"]],
                    tenant: .global(role: .admin), policies: ["admin"]),
            ],
            policies: [
                policy(
                    "app",
                    [
                        try rule("token/**", everything), try rule("db/**", everything), try rule("aws/**", everything),
                        try rule("*", everything),
                    ]),
                policy("admin", scope: .global, [try rule("tenants/**", [.read, .list, .delete], global: true)]),
            ], digest: digest, commit: commit)
    }
}

@Suite("Policy decision: tenant isolation")
struct TenantIsolationDecisionTests {
    typealias F = PolicyFixture

    @Test("Tenant A's identity is denied every path that tries to name tenant B, for read and write")
    func crossTenantPathsNeverReachTenantB() throws {
        let bundle = try F.twoTenants()
        let acme = F.workload(namespace: "tenant-acme", account: "app-web")
        let attempts = [
            "../globex/token/x", "..", "./globex", "/globex/token/x", "/aws/x", "token/../../globex/x",
            "token//x", "token/x/", "tenants/globex", "tenants/globex/token/x", "tenants/globex/leases/all",
            "sys/tenants/globex", "audit/globex", "globex/token/x", "globex", "token/globex%2Fx", "token/globex\\x",
            "token/{{tenant}}", "token/*",
        ]
        for attempt in attempts {
            guard let path = try? RequestPath(attempt) else { continue }  // refused before any decision
            for capability in F.grantingCapabilities {
                let decision = bundle.decide(
                    identity: acme, request: PolicyRequest(path: path, capability: capability))
                #expect(decision.tenant != "globex", "\(attempt) \(capability)")
                if decision.isAllowed {
                    #expect(decision.tenant == "acme", "\(attempt) \(capability)")
                    #expect(!RequestPath.reservedRoots.contains(path.segments[0]), "\(attempt)")
                }
            }
        }
        for refused in ["../globex/x", "/aws/x", "token//x", "token/x/", "..", "token/globex%2Fx", "token/*"] {
            #expect(throws: LessorError.self, "\(refused)") { try RequestPath(refused) }
        }
        for reserved in ["tenants/globex/token/x", "sys/tenants/globex", "audit/globex"] {
            for capability in F.grantingCapabilities {
                #expect(!bundle.decide(identity: acme, request: try F.request(reserved, capability)).isAllowed)
            }
        }
    }

    @Test("The same path means each caller's own tenant: acme and globex both act only for themselves")
    func samePathResolvesToTheCallersTenant() throws {
        let bundle = try F.twoTenants()
        for (namespace, tenant) in [("tenant-acme", "acme"), ("tenant-globex", "globex")] {
            let identity = F.workload(namespace: namespace, account: "app-web")
            for capability in F.grantingCapabilities {
                let decision = bundle.decide(identity: identity, request: try F.request("db/roles/app", capability))
                #expect(decision.isAllowed)
                #expect(decision.tenant == tenant)
                #expect(decision.tenantClass == (tenant == "acme" ? "basic" : "advanced"))
                #expect(!decision.globalScope)
            }
        }
    }

    @Test("No tenant policy can reach a reserved root, even through a glob and a class listing it as an engine")
    func reservedRootsAreNeverGrantedToTenantBindings() throws {
        let bundle = try F.bundle(
            classes: [F.tenantClass("basic", engines: ["token", "tenants", "sys", "audit"])],
            tenants: [F.tenant("acme"), F.tenant("globex")], bindings: [F.appsBinding()],
            policies: [
                F.policy(
                    "app",
                    [
                        try F.rule("*/**", [.read, .create, .update, .delete, .list]),
                        try F.rule("{{identity.namespace}}/**", [.read]), try F.rule("t*", [.read]),
                    ])
            ])
        let acme = F.workload(namespace: "tenant-acme", account: "app-web")
        #expect(bundle.decide(identity: acme, request: try F.request("token/x")).isAllowed)
        for path in ["tenants/globex", "tenants/globex/leases/x", "sys/config", "audit/globex/x", "tenants"] {
            for capability in F.grantingCapabilities {
                let decision = bundle.decide(identity: acme, request: try F.request(path, capability))
                #expect(!decision.isAllowed, "\(path) \(capability): \(decision.reason)")
            }
        }
        #expect(throws: PolicyPathError.self) { try PathPattern.parse("tenants/globex/**", global: false).get() }
        #expect(throws: PolicyPathError.self) { try PathPattern.parse("sys/x", global: false).get() }
        #expect(throws: PolicyPathError.self) { try PathPattern.parse("audit/**", global: false).get() }
    }

    @Test("A namespace templated to a tenant that is not declared is denied, naming the tenant")
    func undeclaredTemplatedTenantIsDenied() throws {
        let bundle = try F.twoTenants()
        let umbrella = F.workload(namespace: "tenant-umbrella", account: "app-web")
        for capability in F.grantingCapabilities {
            let decision = bundle.decide(identity: umbrella, request: try F.request("token/x", capability))
            #expect(!decision.isAllowed)
            #expect(decision.tenant == nil)
            #expect(decision.binding == "tenant-apps")
            #expect(decision.reason.contains("'umbrella', which is not declared"))
        }
        // The template takes the namespace whole: `tenant-acme-x` is tenant `acme-x`, not acme.
        let lookalike = F.workload(namespace: "tenant-acme-x", account: "app-web")
        #expect(bundle.decide(identity: lookalike, request: try F.request("token/x")).tenant == nil)
    }

    @Test("A binding that maps a namespace already mapped elsewhere to a second tenant is refused")
    func oneNamespaceCannotMapToTwoTenants() {
        let policies = [PolicyFixture.policy("app", [try! F.rule("token/*", [.read])])]
        let tenants = [F.tenant("acme"), F.tenant("globex")]
        let pairs: [(RoleBinding, RoleBinding)] = [
            (
                F.appsBinding(),
                F.binding(
                    "steal", claims: [F.namespaceClaim: ["tenant-acme"]], tenant: .fixed("globex"), policies: ["app"])
            ),
            (
                F.binding(
                    "acme", claims: [F.namespaceClaim: ["tenant-acme"]], tenant: .fixed("acme"), policies: ["app"]),
                F.binding(
                    "globex", claims: [F.namespaceClaim: ["tenant-a*"]], tenant: .fixed("globex"), policies: ["app"])
            ),
            // Audiences are chosen by the caller when it requests its token, so they cannot separate two bindings.
            (
                F.binding(
                    "acme", audiences: ["lessor"], claims: [F.namespaceClaim: ["tenant-acme"]], tenant: .fixed("acme"),
                    policies: ["app"]),
                F.binding(
                    "globex", audiences: ["sts.amazonaws.com"], claims: [F.namespaceClaim: ["tenant-acme"]],
                    tenant: .fixed("globex"), policies: ["app"])
            ),
            (
                F.binding(
                    "by-namespace", claims: [F.namespaceClaim: ["tenant-acme"]], tenant: .fixed("acme"),
                    policies: ["app"]),
                F.binding(
                    "by-subject", claims: [ClaimPath("sub"): ["system:serviceaccount:tenant-acme:*"]],
                    tenant: .fixed("globex"), policies: ["app"])
            ),
        ]
        for (first, second) in pairs {
            let messages = F.refusals(F.validate(tenants: tenants, bindings: [first, second], policies: policies))
            #expect(
                messages.contains { $0.contains("bindings \(first.name)") && $0.contains(second.name) },
                "\(first.name)/\(second.name): \(messages)")
        }
    }
}

@Suite("Policy validation: overlap reports")
struct OverlapReportTests {
    typealias F = PolicyFixture

    @Test("A binding listing one value twice is not its own overlap; a pair sharing two values is reported once")
    func overlapsAreReportedOncePerPair() {
        let policies = [F.policy("app", [try! F.rule("token/*", [.read])])]
        let tenants = [F.tenant("acme"), F.tenant("globex")]
        let repeated = F.binding(
            "repeated", claims: [F.namespaceClaim: ["tenant-acme", "tenant-acme"]], tenant: .fixed("acme"),
            policies: ["app"])
        #expect(F.refusals(F.validate(tenants: tenants, bindings: [repeated], policies: policies)) == [])

        let both = [F.namespaceClaim: ["tenant-acme", "tenant-globex"]]
        let first = F.binding("first", claims: both, tenant: .fixed("acme"), policies: ["app"])
        let second = F.binding("second", claims: both, tenant: .fixed("globex"), policies: ["app"])
        let messages = F.refusals(F.validate(tenants: tenants, bindings: [first, second], policies: policies))
        #expect(messages.count == 1)
        #expect(
            messages.first?.hasPrefix("bindings first (test.yaml:1) and second can both match one identity") == true)
    }
}

@Suite("Policy decision: exactly one binding")
struct BindingSelectionDecisionTests {
    typealias F = PolicyFixture

    @Test("No matching binding is a deny with its reason and no tenant")
    func noBindingIsDenied() throws {
        let bundle = try F.twoTenants()
        let cases = [
            F.workload(namespace: "tenant-acme", account: "default"),
            F.workload(namespace: "kube-system", account: "app-web"),
            F.workload(namespace: "tenant-acme", account: "app-web", issuer: "https://other.example.com"),
        ]
        for identity in cases {
            let decision = bundle.decide(identity: identity, request: try F.request("token/x"))
            #expect(!decision.isAllowed)
            #expect(decision.reason.contains("no role binding matches"))
            #expect(decision.tenant == nil && decision.binding == nil)
            guard case .none = bundle.bind(identity) else {
                Issue.record("expected no binding for \(identity.subject)")
                continue
            }
        }
    }

    @Test("An identity matching two bindings is denied as ambiguous, naming both")
    func ambiguousMatchIsDenied() throws {
        // Array claims are the one way two validated bindings can both match: the validator compares globs, and a
        // token can carry both groups.
        let groups = ClaimPath("groups")
        let bundle = try F.bundle(
            tenants: [F.tenant("acme"), F.tenant("globex")],
            bindings: [
                F.binding(
                    "acme-team", issuer: F.sso, claims: [groups: ["team-acme"]], tenant: .fixed("acme"),
                    policies: ["app"]),
                F.binding(
                    "globex-team", issuer: F.sso, claims: [groups: ["team-globex"]], tenant: .fixed("globex"),
                    policies: ["app"]),
            ],
            policies: [F.policy("app", [try F.rule("token/*", [.read])])])
        let both = F.person(
            issuer: F.sso, subject: "alice", claims: ["groups": .array([.string("team-acme"), .string("team-globex")])])
        let decision = bundle.decide(identity: both, request: try F.request("token/x"))
        #expect(!decision.isAllowed)
        #expect(decision.tenant == nil)
        #expect(decision.reason.contains("several bindings (acme-team, globex-team)"))

        let one = F.person(
            issuer: F.sso, subject: "bob", claims: ["groups": .array([.string("staff"), .string("team-globex")])])
        let allowed = bundle.decide(identity: one, request: try F.request("token/x"))
        #expect(allowed.isAllowed && allowed.tenant == "globex" && allowed.binding == "globex-team")
    }

    @Test("A binding whose globs match two of an identity's values is one match, not an ambiguity")
    func oneBindingMatchingTwoValuesIsNotAmbiguous() throws {
        let bundle = try F.bundle(
            tenants: [F.tenant("acme")],
            bindings: [
                F.binding(
                    "auditors", issuer: F.sso, claims: [ClaimPath("groups"): ["lessor-auditors", "security"]],
                    tenant: .global(role: .auditor), policies: ["auditor"])
            ],
            policies: [F.policy("auditor", scope: .global, [try F.rule("audit/**", [.read], global: true)])])
        let alice = F.person(
            issuer: F.sso, subject: "alice",
            claims: ["groups": .array([.string("security"), .string("lessor-auditors")])])
        let decision = bundle.decide(identity: alice, request: try F.request("audit/events"))
        #expect(decision.isAllowed, "\(decision.reason)")
        #expect(decision.binding == "auditors")
    }

    @Test("A binding's max_token_age refuses longer-lived tokens and tokens without iat")
    func maxTokenAgeIsEnforced() throws {
        let bundle = try F.bundle(
            tenants: [F.tenant("acme")], bindings: [F.appsBinding(maxTokenAge: .seconds(3600))],
            policies: [F.policy("app", [try F.rule("token/*", [.read])])])
        let request = try F.request("token/x")
        let fresh = F.workload(namespace: "tenant-acme", account: "app-web", lifetime: 3600)
        #expect(bundle.decide(identity: fresh, request: request).isAllowed)
        let long = F.workload(namespace: "tenant-acme", account: "app-web", lifetime: 3601)
        let refused = bundle.decide(identity: long, request: request)
        #expect(!refused.isAllowed)
        #expect(refused.reason.contains("at most 3600 s; this one lives 3601 s"))
        #expect(refused.binding == "tenant-apps")
        let noIssuedAt = F.workload(namespace: "tenant-acme", account: "app-web", lifetime: nil)
        #expect(bundle.decide(identity: noIssuedAt, request: request).reason.contains("has no iat"))
    }
}

@Suite("Policy decision: rules, deny, scope and templates")
struct RuleDecisionTests {
    typealias F = PolicyFixture

    @Test("Deny wins over allow, whatever the order of rules and policies")
    func denyWins() throws {
        let allow = try F.rule("token/roles/*", [.read, .create])
        let deny = try F.rule("token/roles/admin", [.deny])
        for rules in [[allow, deny], [deny, allow]] {
            let bundle = try F.bundle(
                tenants: [F.tenant("acme")], bindings: [F.appsBinding()], policies: [F.policy("app", rules)])
            let identity = F.workload(namespace: "tenant-acme", account: "app-web")
            for capability in [Capability.read, .create] {
                let denied = bundle.decide(identity: identity, request: try F.request("token/roles/admin", capability))
                #expect(!denied.isAllowed)
                #expect(denied.reason.contains("deny wins"))
                #expect(denied.matchedRules.count == 2)
                #expect(
                    bundle.decide(identity: identity, request: try F.request("token/roles/app", capability)).isAllowed)
            }
        }
        // A deny in the tenant's own policy overrides an allow in the binding's policy.
        let bundle = try F.bundle(
            tenants: [F.tenant("acme", policies: ["lockdown"])], bindings: [F.appsBinding()],
            policies: [F.policy("app", [allow]), F.policy("lockdown", [try F.rule("token/**", [.deny])])])
        let decision = bundle.decide(
            identity: F.workload(namespace: "tenant-acme", account: "app-web"), request: try F.request("token/roles/x"))
        #expect(!decision.isAllowed)
        #expect(decision.reason.contains("denied by policy lockdown"))
    }

    @Test("A capability the matching rules do not list is denied")
    func unlistedCapabilityIsDenied() throws {
        let bundle = try F.bundle(
            tenants: [F.tenant("acme")], bindings: [F.appsBinding()],
            policies: [F.policy("app", [try F.rule("db/roles/*", [.read])])])
        let identity = F.workload(namespace: "tenant-acme", account: "app-web")
        #expect(bundle.decide(identity: identity, request: try F.request("db/roles/x")).isAllowed)
        for capability in [Capability.create, .update, .delete, .list] {
            let decision = bundle.decide(identity: identity, request: try F.request("db/roles/x", capability))
            #expect(!decision.isAllowed)
            #expect(decision.reason.contains("no rule grants \(capability.rawValue)"))
        }
    }

    @Test("Global policies only through admin and auditor bindings; validate refuses every other pairing")
    func globalPoliciesOnlyThroughGlobalBindings() throws {
        let global = F.policy("admin", scope: .global, [try F.rule("tenants/*", [.read, .list], global: true)])
        let local = F.policy("app", [try F.rule("token/*", [.read])])
        let tenants = [F.tenant("acme")]

        let tenantNamingGlobal = F.refusals(
            F.validate(tenants: tenants, bindings: [F.appsBinding(policies: ["admin"])], policies: [global, local]))
        #expect(
            tenantNamingGlobal.contains(
                "binding tenant-apps: policy 'admin' is global-scoped; scope: global policies are only for admin and auditor bindings"
            ))

        let globalNamingTenant = F.refusals(
            F.validate(
                tenants: tenants,
                bindings: [
                    F.binding(
                        "admins", issuer: F.ci, claims: [ClaimPath("sub"): ["admin"]], tenant: .global(role: .admin),
                        policies: ["app"])
                ], policies: [global, local]))
        #expect(
            globalNamingTenant.contains(
                "binding admins: policy 'app' is tenant-scoped; admin and auditor bindings may use only scope: global policies"
            ))

        let tenantDeclaringGlobal = F.refusals(
            F.validate(
                tenants: [F.tenant("acme", policies: ["admin"])], bindings: [F.appsBinding()],
                policies: [global, local]))
        #expect(tenantDeclaringGlobal.contains { $0.hasPrefix("tenant acme: policy 'admin' is global-scoped") })

        let bundle = try F.bundle(
            tenants: tenants,
            bindings: [
                F.appsBinding(),
                F.binding(
                    "admins", issuer: F.ci, claims: [ClaimPath("sub"): ["admin"]], tenant: .global(role: .admin),
                    policies: ["admin"]),
            ], policies: [global, local])
        let admin = bundle.decide(
            identity: F.person(issuer: F.ci, subject: "admin"), request: try F.request("tenants/acme", .list))
        #expect(admin.isAllowed && admin.globalScope && admin.tenant == nil && admin.binding == "admins")
        let adminDenied = bundle.decide(
            identity: F.person(issuer: F.ci, subject: "admin"), request: try F.request("tenants/acme", .delete))
        #expect(!adminDenied.isAllowed && adminDenied.globalScope)
        let app = bundle.decide(
            identity: F.workload(namespace: "tenant-acme", account: "app-web"), request: try F.request("token/x"))
        #expect(app.isAllowed && !app.globalScope)
    }

    @Test("Identity templates expand to the caller's own namespace and service account")
    func templatesExpand() throws {
        let bundle = try F.bundle(
            tenants: [F.tenant("acme")], bindings: [F.appsBinding(namespace: "tenant-*", account: "*")],
            policies: [
                F.policy(
                    "app",
                    [
                        try F.rule("db/roles/{{identity.serviceaccount}}", [.read]),
                        try F.rule("token/{{identity.namespace}}/*", [.read]),
                        try F.rule("token/sa-{{identity.serviceaccount}}-*", [.read]),
                    ])
            ])
        let web = F.workload(namespace: "tenant-acme", account: "app-web")
        #expect(bundle.decide(identity: web, request: try F.request("db/roles/app-web")).isAllowed)
        #expect(!bundle.decide(identity: web, request: try F.request("db/roles/app-api")).isAllowed)
        #expect(bundle.decide(identity: web, request: try F.request("token/tenant-acme/x")).isAllowed)
        #expect(!bundle.decide(identity: web, request: try F.request("token/tenant-globex/x")).isAllowed)
        #expect(bundle.decide(identity: web, request: try F.request("token/sa-app-web-1")).isAllowed)
        #expect(!bundle.decide(identity: web, request: try F.request("token/sa-app-api-1")).isAllowed)
    }

    @Test("A claim value with '*', '/', '..' or nothing in it can never widen a templated rule")
    func templateValuesCannotWiden() throws {
        let bundle = try F.bundle(
            tenants: [F.tenant("acme")], bindings: [F.appsBinding(namespace: "tenant-*", account: "*")],
            policies: [
                F.policy(
                    "app",
                    [
                        try F.rule("db/roles/{{identity.serviceaccount}}", [.read]),
                        try F.rule("db/x-{{identity.serviceaccount}}", [.read]),
                    ])
            ])
        let targets = ["db/roles/app-web", "db/roles/x", "db/roles/a/b", "db/x-app-web", "db/x-a"]
        for account in ["*", "app-*", "a/b", "..", "roles/*", "", "x y", "{{identity.namespace}}"] {
            let identity = F.workload(namespace: "tenant-acme", account: account)
            for target in targets {
                let decision = bundle.decide(identity: identity, request: try F.request(target))
                #expect(!decision.isAllowed, "account '\(account)' reached \(target)")
            }
        }
        // Without a Kubernetes identity there is nothing to fill in, so templated rules match nothing.
        let plain = try F.bundle(
            tenants: [F.tenant("acme")],
            bindings: [
                F.binding(
                    "ci", issuer: F.ci, claims: [ClaimPath("sub"): ["repo:acme/*"]], tenant: .fixed("acme"),
                    policies: ["app"])
            ],
            policies: [F.policy("app", [try F.rule("db/roles/{{identity.serviceaccount}}", [.read])])])
        let person = F.person(issuer: F.ci, subject: "repo:acme/app")
        #expect(!plain.decide(identity: person, request: try F.request("db/roles/x")).isAllowed)
    }
}

@Suite("Policy decision: classes, TTL, residency and traceability")
struct ClassDecisionTests {
    typealias F = PolicyFixture

    private func ttlBundle() throws -> PolicyBundle {
        try F.bundle(
            classes: [F.tenantClass("basic", defaultTTL: .seconds(900), maxTTL: .seconds(3600))],
            tenants: [F.tenant("acme")], bindings: [F.appsBinding(policies: ["app", "extra"])],
            policies: [
                F.policy(
                    "app",
                    [
                        try F.rule("token/capped", [.read], maxTTL: .seconds(1200)),
                        try F.rule("token/short", [.read], maxTTL: .seconds(300)),
                        try F.rule("token/open", [.read]),
                        try F.rule("token/two", [.read], maxTTL: .seconds(600)),
                        try F.rule("token/mixed", [.read], maxTTL: .seconds(600)),
                    ]),
                F.policy(
                    "extra",
                    [
                        try F.rule("token/two", [.read], maxTTL: .seconds(1500)),
                        try F.rule("token/mixed", [.read]),
                    ]),
            ])
    }

    @Test(
        "TTL: requested, then rule max_ttl, then class max_ttl; class default when none is asked",
        arguments: [
            ("token/capped", 600, 600, "requested"),
            ("token/capped", 3000, 1200, "rule max_ttl (app)"),
            ("token/capped", nil, 900, "class default (basic)"),
            ("token/short", nil, 300, "rule max_ttl (app)"),
            ("token/open", 7200, 3600, "class max_ttl (basic)"),
            ("token/open", nil, 900, "class default (basic)"),
            ("token/open", 3600, 3600, "requested"),
            ("token/two", 3000, 1500, "rule max_ttl (extra)"),
            ("token/mixed", 3000, 3000, "requested"),
            ("token/mixed", 9000, 3600, "class max_ttl (basic)"),
        ] as [(String, Int?, Int, String)])
    func ttlLimits(path: String, requested: Int?, effective: Int, limitedBy: String) throws {
        let decision = try ttlBundle().decide(
            identity: F.workload(namespace: "tenant-acme", account: "app-web"),
            request: try F.request(path, ttl: requested.map { .seconds($0) }))
        #expect(decision.isAllowed)
        #expect(decision.effectiveTTL == .seconds(effective))
        #expect(decision.ttlLimitedBy == limitedBy)
    }

    @Test("A denial carries no TTL")
    func denialHasNoTTL() throws {
        let decision = try ttlBundle().decide(
            identity: F.workload(namespace: "tenant-acme", account: "app-web"),
            request: try F.request("token/none", ttl: .seconds(60)))
        #expect(!decision.isAllowed && decision.effectiveTTL == nil && decision.ttlLimitedBy == nil)
    }

    @Test("A class's engines are enforced even when a policy grants the path")
    func classEnginesAreEnforced() throws {
        let bundle = try F.twoTenants()
        let acme = F.workload(namespace: "tenant-acme", account: "app-web")
        let globex = F.workload(namespace: "tenant-globex", account: "app-web")
        let denied = bundle.decide(identity: acme, request: try F.request("aws/roles/deployer"))
        #expect(!denied.isAllowed)
        #expect(denied.reason == "class basic does not allow the aws engine")
        #expect(denied.tenant == "acme" && denied.tenantClass == "basic")
        #expect(bundle.decide(identity: globex, request: try F.request("aws/roles/deployer")).isAllowed)
        #expect(!bundle.decide(identity: acme, request: try F.request("kv")).isAllowed)
    }

    @Test("Residency: the broker's region must be one the tenant may use; a tenant override narrows its class")
    func residencyIsEnforced() throws {
        let bundle = try F.bundle(
            classes: [F.tenantClass("basic", residency: ["eu-west-1", "eu-central-1"])],
            tenants: [F.tenant("acme"), F.tenant("globex", residency: ["eu-west-1"])], bindings: [F.appsBinding()],
            policies: [F.policy("app", [try F.rule("token/*", [.read])])])
        let acme = F.workload(namespace: "tenant-acme", account: "app-web")
        let globex = F.workload(namespace: "tenant-globex", account: "app-web")
        let request = try F.request("token/x")
        #expect(bundle.decide(identity: acme, request: request).isAllowed)
        #expect(bundle.decide(identity: acme, request: request, region: "eu-central-1").isAllowed)
        let outside = bundle.decide(identity: acme, request: request, region: "us-east-1")
        #expect(!outside.isAllowed)
        #expect(outside.reason.contains("must stay in eu-west-1, eu-central-1; this broker runs in us-east-1"))
        #expect(bundle.decide(identity: globex, request: request, region: "eu-west-1").isAllowed)
        #expect(!bundle.decide(identity: globex, request: request, region: "eu-central-1").isAllowed)

        let wider = F.refusals(
            F.validate(
                tenants: [F.tenant("acme", residency: ["us-east-1"])], bindings: [F.appsBinding()],
                policies: [F.policy("app", [try F.rule("token/*", [.read])])]))
        #expect(wider.contains { $0.hasPrefix("tenant acme: residency [\"us-east-1\"] is outside class basic") })
    }

    @Test("Every decision, allow or deny, carries the bundle digest and commit")
    func decisionsCarryDigestAndCommit() throws {
        let bundle = try F.twoTenants(digest: "3f2a", commit: "0123456789abcdef0123456789abcdef01234567")
        let identities = [
            F.workload(namespace: "tenant-acme", account: "app-web"),
            F.workload(namespace: "tenant-nobody", account: "app-web"),
            F.workload(namespace: "tenant-acme", account: "default"),
        ]
        var outcomes: Set<PolicyDecision.Outcome> = []
        for identity in identities {
            for path in ["token/x", "aws/x"] {
                let decision = bundle.decide(identity: identity, request: try F.request(path))
                outcomes.insert(decision.outcome)
                #expect(decision.bundleDigest == "3f2a")
                #expect(decision.bundleCommit == "0123456789abcdef0123456789abcdef01234567")
            }
        }
        #expect(outcomes == [.allow, .deny])
        let uncommitted = try F.twoTenants(digest: "99", commit: nil)
        let decision = uncommitted.decide(
            identity: identities[0], request: try F.request("token/x"))
        #expect(decision.bundleDigest == "99" && decision.bundleCommit == nil)
    }
}

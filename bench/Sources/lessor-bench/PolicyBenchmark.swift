import Foundation
import LessorCore

/// Decisions per second with 10 and with 10,000 declared tenants, 10 rules each, measured in
/// alternating batches so the ratio shows whether the decision is indexed or scans tenants.
enum PolicyBenchmark {
    static let issuer = "https://kubernetes.default.svc.cluster.local"

    static func run(seconds: Double) async throws {
        let small = try bundle(tenants: 10)
        let large = try bundle(tenants: 10_000)
        let requests = try (0..<64).map { index -> (VerifiedIdentity, PolicyRequest) in
            let tenant = "t\(index % 10)"
            let identity = VerifiedIdentity(
                issuer: issuer, subject: "system:serviceaccount:ns-\(tenant):app-web", audiences: ["lessor"],
                expiresAt: Date().addingTimeInterval(3600), issuedAt: Date(), notBefore: nil, tokenID: nil, keyID: nil,
                algorithm: "RS256",
                kubernetes: KubernetesIdentity(
                    namespace: "ns-\(tenant)", serviceAccount: .init(name: "app-web", uid: nil)),
                claims: [
                    "kubernetes.io": .object([
                        "namespace": .string("ns-\(tenant)"), "serviceaccount": .object(["name": .string("app-web")]),
                    ])
                ])
            let path = ["db/roles/r\(index % 9)", "token/audiences/app-web", "aws/roles/admin"][index % 3]
            return (identity, PolicyRequest(path: try RequestPath(path), capability: .read))
        }
        for (identity, request) in requests {
            let a = small.decide(identity: identity, request: request)
            let b = large.decide(identity: identity, request: request)
            precondition(
                a.outcome == b.outcome && a.tenant == b.tenant && a.matchedRules == b.matchedRules
                    && a.effectiveTTL == b.effectiveTTL, "the two bundles must decide alike")
        }
        var cursor = 0
        let (ten, tenThousand) = await Throughput.compare(seconds: seconds) {
            let (identity, request) = requests[cursor & 63]
            cursor &+= 1
            _ = small.decide(identity: identity, request: request)
        } _: {
            let (identity, request) = requests[cursor & 63]
            cursor &+= 1
            _ = large.decide(identity: identity, request: request)
        }
        print("tenants,decisions_per_s")
        print("10,\(Int(ten))")
        print("10000,\(Int(tenThousand))")
    }

    /// `count` tenants, each with one fixed binding on its namespace and its own 10-rule policy.
    static func bundle(tenants count: Int) throws -> PolicyBundle {
        let here = SourceLocation(file: "bench", line: 1)
        let tenantClass = TenantClass(
            name: "basic", defaultTTL: .seconds(900), maxTTL: .seconds(3600), engines: ["token", "db", "aws"],
            residency: ["eu-west-1"], auditRetentionDays: 30, requestsPerSecond: 10, burst: 10, maxLeases: 10,
            isolation: .pooled, location: here)
        var tenants: [TenantDeclaration] = []
        var bindings: [RoleBinding] = []
        var policies: [Policy] = []
        for index in 0..<count {
            let id = "t\(index)"
            var rules = try (0..<8).map { rule in
                Policy.Rule(
                    path: try PathPattern.parse("db/roles/r\(rule)", global: false).get(), capabilities: [.read],
                    maxTTL: nil, location: here)
            }
            rules.append(
                Policy.Rule(
                    path: try PathPattern.parse("token/audiences/{{identity.serviceaccount}}", global: false).get(),
                    capabilities: [.read], maxTTL: .seconds(600), location: here))
            rules.append(
                Policy.Rule(
                    path: try PathPattern.parse("aws/roles/*", global: false).get(), capabilities: [.deny], maxTTL: nil,
                    location: here))
            policies.append(Policy(name: "p-\(id)", scope: .tenant, rules: rules, location: here))
            tenants.append(
                TenantDeclaration(id: id, className: "basic", residency: nil, policies: ["p-\(id)"], location: here))
            bindings.append(
                RoleBinding(
                    name: "b-\(id)", issuer: issuer, audiences: [],
                    boundClaims: [ClaimPath("kubernetes.io.namespace"): [ClaimGlob("ns-\(id)")]], tenant: .fixed(id),
                    policies: [], maxTokenAge: nil, location: here))
        }
        switch PolicyBundle.validate(
            classes: [tenantClass], tenants: tenants, bindings: bindings, policies: policies, digest: "bench-\(count)",
            commit: nil)
        {
        case .success(let bundle): return bundle
        case .failure(let issues): fatalError("invalid bench bundle: \(issues)")
        }
    }
}

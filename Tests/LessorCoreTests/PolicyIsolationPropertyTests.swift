import Foundation
import LessorCore
import Testing

/// Random bundles, identities and requests for the isolation property.
private struct BundleGenerator {
    typealias F = PolicyFixture

    var random: SplitMix64

    static let tenantPool = ["acme", "globex", "initech", "hooli", "umbrella", "stark", "acme-prod", "tenants"]
    static let enginePool = ["token", "db", "aws", "tenants", "sys", "audit", "kv"]
    static let accountPool = ["app-web", "app-api", "tf-runner", "default", "*", "app-*", "..", "a/b", "tenants"]
    static let audiencePool = ["lessor", "sts.amazonaws.com", "vault"]

    mutating func pick<T>(_ items: [T]) -> T { items.randomElement(using: &random)! }

    mutating func subset<T>(_ items: [T], atLeast minimum: Int = 0) -> [T] {
        var result = items.filter { _ in random.chance(0.5) }
        while result.count < minimum { result.append(pick(items)) }
        return result
    }

    mutating func classes() -> [TenantClass] {
        (0..<Int.random(in: 1...3, using: &random)).map { index in
            let maxTTL = Int.random(in: 60...7200, using: &random)
            return F.tenantClass(
                "class\(index)", defaultTTL: .seconds(Int.random(in: 1...maxTTL, using: &random)),
                maxTTL: .seconds(maxTTL), engines: Set(subset(Self.enginePool, atLeast: 3)),
                residency: ["eu-west-1"])
        }
    }

    mutating func pathSegment(first: Bool) -> String {
        let firsts = [
            "token", "db", "aws", "kv", "*", "t*", "*s", "{{identity.namespace}}", "{{identity.serviceaccount}}",
        ]
        let others = [
            "roles", "audiences", "*", "app-*", "{{identity.serviceaccount}}", "x-{{identity.namespace}}", "acme",
            "globex", "..", "tenants",
        ]
        return first ? pick(firsts + ["tenants", "sys"]) : pick(others)
    }

    mutating func rules(global: Bool) -> [Policy.Rule] {
        var rules: [Policy.Rule] = []
        while rules.isEmpty {
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                var segments = [pathSegment(first: true)]
                for _ in 0..<Int.random(in: 0...2, using: &random) { segments.append(pathSegment(first: false)) }
                if random.chance(0.3) { segments.append("**") }
                // Invalid paths (a reserved root, '..') are refused by the parser: they never reach a bundle.
                guard case .success(let path) = PathPattern.parse(segments.joined(separator: "/"), global: global)
                else { continue }
                var capabilities = Set(subset(Capability.allCases.filter { $0 != .deny }, atLeast: 1))
                if random.chance(0.1) { capabilities.insert(.deny) }
                rules.append(
                    Policy.Rule(
                        path: path, capabilities: capabilities,
                        maxTTL: random.chance(0.5) ? .seconds(Int.random(in: 1...7200, using: &random)) : nil,
                        location: F.at()))
            }
        }
        return rules
    }

    mutating func namespaceGlob() -> String {
        pick(["tenant-*", "tenant-\(pick(Self.tenantPool))", "*", "t*", "*-prod", "team-*", pick(Self.tenantPool)])
    }

    mutating func binding(_ index: Int, tenants: [String], policies: [String]) -> RoleBinding {
        let name = "binding\(index)"
        let audiences = subset(Self.audiencePool)
        switch Int.random(in: 0..<10, using: &random) {
        case 0:
            return F.binding(
                name, issuer: F.ci, audiences: audiences, claims: [ClaimPath("sub"): [pick(["admin", "ops-*", "*"])]],
                tenant: .global(role: pick([.admin, .auditor])), policies: ["global0"])
        case 1...4:
            var claims: [ClaimPath: [String]] = [F.namespaceClaim: [namespaceGlob()]]
            if random.chance(0.8) {
                claims[F.accountClaim] = [pick(["app-*", "tf-runner", "*", "app-web", "default"])]
            }
            return F.binding(
                name, audiences: audiences, claims: claims,
                tenant: .template(
                    claim: F.namespaceClaim, template: pick(["tenant-{tenant}", "{tenant}", "{tenant}-prod"])),
                policies: subset(policies, atLeast: 1))
        default:
            var claims: [ClaimPath: [String]] = [F.namespaceClaim: [namespaceGlob()]]
            if random.chance(0.6) { claims[F.accountClaim] = [pick(["app-*", "tf-runner", "*", "app-web"])] }
            return F.binding(
                name, audiences: audiences, claims: claims, tenant: .fixed(pick(tenants)),
                policies: subset(policies, atLeast: 1))
        }
    }

    /// A bundle that passes validation: bindings are added one at a time and kept only when the bundle still
    /// validates, so the validator (not the generator) decides what a valid bundle looks like.
    mutating func bundle() -> PolicyBundle {
        let classes = classes()
        var declared: [String] = []  // in generated order: iterating a Set would make runs irreproducible
        for id in subset(Self.tenantPool.filter { $0 != "tenants" }, atLeast: 2) where !declared.contains(id) {
            declared.append(id)
        }
        let tenants = declared.map { id in
            F.tenant(id, class: pick(classes).name)
        }
        let policyNames = (0..<Int.random(in: 1...3, using: &random)).map { "policy\($0)" }
        let policies =
            policyNames.map { F.policy($0, rules(global: false)) } + [
                F.policy("global0", scope: .global, rules(global: true))
            ]
        var bindings: [RoleBinding] = []
        var bundle = try! F.bundle(classes: classes, tenants: tenants, bindings: [], policies: policies)
        for index in 0..<Int.random(in: 1...6, using: &random) {
            let candidate = binding(index, tenants: declared + ["nobody"], policies: policyNames)
            if case .success(let valid) = F.validate(
                classes: classes, tenants: tenants, bindings: bindings + [candidate], policies: policies)
            {
                bindings.append(candidate)
                bundle = valid
            }
        }
        return bundle
    }

    /// Mostly workloads of declared tenants (so that grants happen), and some of undeclared or odd namespaces.
    mutating func identity(in bundle: PolicyBundle) -> VerifiedIdentity {
        if random.chance(0.6), !bundle.bindings.isEmpty {
            return identity(aimedAt: pick(bundle.bindings), tenants: bundle.tenants.keys.sorted())
        }
        if random.chance(0.1) {
            return F.person(
                issuer: F.ci, subject: pick(["admin", "ops-1", "dev"]), audiences: subset(Self.audiencePool))
        }
        let tenant = random.chance(0.6) ? pick(bundle.tenants.keys.sorted()) : pick(Self.tenantPool)
        let namespace = pick(["tenant-\(tenant)", tenant, "\(tenant)-prod", "team-\(tenant)", "tenant-", "kube-system"])
        let account = random.chance(0.7) ? pick(["app-web", "tf-runner"]) : pick(Self.accountPool)
        return F.workload(namespace: namespace, account: account, audiences: subset(Self.audiencePool))
    }

    /// An identity built to fit one binding's globs, with `*` filled by tenant names and other text.
    mutating func identity(aimedAt binding: RoleBinding, tenants: [String]) -> VerifiedIdentity {
        func fill(_ glob: ClaimGlob?, _ fallback: String) -> String {
            guard let glob else { return fallback }
            return glob.pattern.replacingOccurrences(
                of: "*", with: pick([pick(tenants), "tenant-\(pick(tenants))", "web", "", pick(Self.tenantPool)]))
        }
        var audiences = subset(Self.audiencePool)
        if let wanted = binding.audiences.first, !audiences.contains(wanted) { audiences.append(wanted) }
        if binding.issuer == F.ci {
            return F.person(
                issuer: F.ci, subject: fill(binding.boundClaims[ClaimPath("sub")]?.first, "admin"), audiences: audiences
            )
        }
        let namespace = fill(binding.boundClaims[F.namespaceClaim].map { pick($0) }, "tenant-\(pick(tenants))")
        let account = fill(binding.boundClaims[F.accountClaim].map { pick($0) }, pick(Self.accountPool))
        return F.workload(namespace: namespace, account: account, audiences: audiences)
    }

    /// Half the time a path built from one of the bundle's own rules (so that rules match), else any path, including
    /// reserved roots and other tenants' names.
    mutating func request(in bundle: PolicyBundle, for identity: VerifiedIdentity) -> PolicyRequest {
        let pool = [
            "token", "db", "aws", "kv", "tenants", "sys", "audit", "roles", "app-web", "tf-runner", "acme", "globex",
            "tenant-acme", "x",
        ]
        var path = (0..<Int.random(in: 1...4, using: &random)).map { _ in pick(pool) }.joined(separator: "/")
        let rules = bundle.policies.keys.sorted().flatMap { bundle.policies[$0]!.rules }
        if random.chance(0.5), !rules.isEmpty {
            var segments: [String] = []
            for segment in pick(rules).path.text.split(separator: "/").map(String.init) {
                if segment == "**" {
                    segments += (0..<Int.random(in: 1...2, using: &random)).map { _ in pick(["x", "roles", "tenants"]) }
                    continue
                }
                segments.append(
                    segment.replacingOccurrences(
                        of: "{{identity.namespace}}", with: identity.kubernetes?.namespace ?? ""
                    )
                    .replacingOccurrences(
                        of: "{{identity.serviceaccount}}", with: identity.kubernetes?.serviceAccount.name ?? ""
                    ).replacingOccurrences(of: "*", with: pick(["", "a", "web", "s"])))
            }
            if (try? RequestPath(segments.joined(separator: "/"))) != nil { path = segments.joined(separator: "/") }
        }
        return PolicyRequest(
            path: try! RequestPath(path), capability: pick(Capability.allCases),
            requestedTTL: random.chance(0.5) ? .seconds(Int.random(in: 1...9000, using: &random)) : nil)
    }
}

/// The tenant an identity acts for under a binding, read independently of the engine from the identity's own claims.
private func expectedTenant(of binding: RoleBinding, for identity: VerifiedIdentity) -> String? {
    switch binding.tenant {
    case .fixed(let tenant):
        return tenant
    case .global:
        return nil
    case .template(let claim, let template):
        let values = claim.values(in: identity.claims)
        guard values.count == 1, let value = values.first else { return nil }
        let parts = template.components(separatedBy: "{tenant}")
        guard parts.count == 2, value.hasPrefix(parts[0]), value.hasSuffix(parts[1]),
            value.count > parts[0].count + parts[1].count
        else { return nil }
        return String(value.dropFirst(parts[0].count).dropLast(parts[1].count))
    }
}

@Suite("Isolation property: no decision grants a tenant anything outside itself")
struct PolicyIsolationPropertyTests {
    typealias F = PolicyFixture

    @Test(
        "Random valid bundles, identities and requests: every allow is for the caller's own tenant",
        arguments: [1, 2, 3, 4])
    func everyAllowStaysInsideTheCallersTenant(seed: UInt64) {
        var generator = BundleGenerator(random: SplitMix64(seed: seed))
        var allows = 0
        var tenantAllows = 0
        var bindingsSeen = 0
        for _ in 0..<250 {
            let bundle = generator.bundle()
            bindingsSeen += bundle.bindings.count
            for _ in 0..<40 {
                let identity = generator.identity(in: bundle)
                let request = generator.request(in: bundle, for: identity)
                let decision = bundle.decide(identity: identity, request: request)
                guard decision.isAllowed else { continue }
                allows += 1
                let matching = bundle.bindings.filter { $0.matches(identity) }
                guard matching.count == 1, let binding = matching.first else {
                    Issue.record("allowed without exactly one binding: \(matching.map(\.name)) — \(decision.reason)")
                    continue
                }
                #expect(decision.binding == binding.name)
                #expect((try? RequestPath(request.path.description)) == request.path)
                #expect(!request.path.segments.contains("..") && !request.path.segments.contains(""))
                if binding.isGlobal {
                    #expect(decision.tenant == nil && decision.globalScope, "\(decision.reason)")
                    continue
                }
                tenantAllows += 1
                let own = expectedTenant(of: binding, for: identity)
                #expect(decision.tenant != nil && decision.tenant == own, "\(identity.subject): \(decision.reason)")
                #expect(bundle.tenants[decision.tenant ?? ""] != nil)
                #expect(!decision.globalScope)
                #expect(
                    !RequestPath.reservedRoots.contains(request.path.segments[0]),
                    "tenant binding \(binding.name) allowed \(request.path): \(decision.reason)")
                let tenantClass = bundle.classes[bundle.tenants[decision.tenant ?? ""]?.className ?? ""]
                #expect(tenantClass?.engines.contains(request.path.engine) == true)
                if let ttl = decision.effectiveTTL, let tenantClass { #expect(ttl <= tenantClass.maxTTL) }
            }
        }
        // The generator must actually produce grants, or the property holds vacuously.
        #expect(bindingsSeen > 150)
        #expect(tenantAllows > 50, "only \(tenantAllows) tenant allows of \(allows)")
    }

    /// Two bindings that one identity (one namespace, one service account, one token's audiences) can match, yielding
    /// two different tenants: whatever globs and audiences they use, the validator must refuse them.
    @Test("Random pairs of bindings mapping one namespace to two tenants are always refused", arguments: [31, 32, 33])
    func overlappingBindingsAreAlwaysRefused(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let tenants = ["acme", "globex", "initech"].map { F.tenant($0) }
        let policies = [F.policy("app", [try! F.rule("token/*", [.read])])]
        let audiences = ["lessor", "sts.amazonaws.com", "vault"]
        var refused = 0
        for attempt in 0..<1000 {
            let namespace = "tenant-\(["acme", "globex", "initech"].randomElement(using: &random)!)"
            let account = ["app-web", "tf-runner", "default"].randomElement(using: &random)!
            let tokenAudiences = audiences.filter { _ in random.chance(0.6) }
            func globFor(_ value: String) -> String {
                let cut = Int.random(in: 0...value.count, using: &random)
                return [value, String(value.prefix(cut)) + "*", "*" + String(value.suffix(cut)), "*", "tenant-*"]
                    .filter { ClaimGlob($0).matches(value) }.randomElement(using: &random)!
            }
            func binding(_ name: String, tenant: String, templated: Bool, line: Int) -> RoleBinding {
                var claims: [ClaimPath: [String]] = [F.namespaceClaim: [globFor(namespace)]]
                if random.chance(0.5) { claims[F.accountClaim] = [globFor(account)] }
                if random.chance(0.3) {
                    claims[ClaimPath("sub")] = [globFor("system:serviceaccount:\(namespace):\(account)")]
                }
                // Any audience list that this token satisfies: empty, or one that shares an audience with it.
                var bound = audiences.filter { _ in random.chance(0.4) }
                if !bound.isEmpty, let shared = tokenAudiences.randomElement(using: &random),
                    !bound.contains(shared)
                {
                    bound.append(shared)
                }
                if !bound.isEmpty, Set(bound).isDisjoint(with: tokenAudiences) { bound = [] }
                let source: RoleBinding.TenantSource =
                    templated && random.chance(0.5)
                    ? .template(claim: F.namespaceClaim, template: "tenant-{tenant}") : .fixed(tenant)
                return F.binding(
                    name, audiences: bound, claims: claims, tenant: source, policies: ["app"], line: line)
            }
            let own = String(namespace.dropFirst("tenant-".count))
            let other = ["acme", "globex", "initech"].filter { $0 != own }.randomElement(using: &random)!
            let first = binding("first\(attempt)", tenant: own, templated: true, line: 1)
            let second = binding("second\(attempt)", tenant: other, templated: false, line: 2)
            let identity = F.workload(namespace: namespace, account: account, audiences: tokenAudiences)
            // Both really match one identity: that is what makes them a conflict.
            guard first.matches(identity), second.matches(identity) else {
                Issue.record("generator produced a binding that does not match its own identity")
                continue
            }
            let result = F.validate(tenants: tenants, bindings: [first, second], policies: policies)
            let messages = F.refusals(result)
            #expect(
                messages.contains { $0.contains("bindings \(first.name)") && $0.contains(second.name) },
                "\(first) / \(second) accepted for \(identity.subject) with aud \(tokenAudiences)")
            if !messages.isEmpty { refused += 1 }
        }
        #expect(refused == 1000)
    }
}

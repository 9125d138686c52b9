import Foundation

/// The decision: a pure function of a verified identity, this bundle and a request.
extension PolicyBundle {
    /// Who an identity acts for: exactly one binding, and the tenant it yields.
    public enum Binding: Sendable, Hashable {
        case tenant(binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass)
        case global(binding: RoleBinding, role: RoleBinding.GlobalRole)
        case none(reason: String, binding: String?)
    }

    public func bind(_ identity: VerifiedIdentity) -> Binding {
        let matching = index.candidates(for: identity).map { bindings[$0] }.filter { $0.matches(identity) }
        guard let binding = matching.first else {
            return .none(
                reason: "no role binding matches this identity (issuer \(identity.issuer), sub \(identity.subject))",
                binding: nil)
        }
        guard matching.count == 1 else {
            let names = matching.map(\.name).sorted().joined(separator: ", ")
            return .none(
                reason: "the identity matches several bindings (\(names)); refusing an ambiguous match", binding: nil)
        }
        if let maxAge = binding.maxTokenAge {
            guard let issuedAt = identity.issuedAt else {
                return .none(
                    reason: "binding \(binding.name) bounds token age but the token has no iat", binding: binding.name)
            }
            let lifetime = identity.expiresAt.timeIntervalSince(issuedAt)
            if lifetime > Double(maxAge.components.seconds) {
                return .none(
                    reason:
                        "binding \(binding.name) accepts tokens living at most \(maxAge.components.seconds) s; this one lives \(Int(lifetime)) s",
                    binding: binding.name)
            }
        }
        let tenantID: String
        switch binding.tenant {
        case .global(let role):
            return .global(binding: binding, role: role)
        case .fixed(let tenant):
            tenantID = tenant
        case .template(let claim, let template):
            let values = claim.values(in: identity.claims)
            guard values.count == 1, let derived = RoleBinding.tenant(from: values[0], template: template) else {
                return .none(
                    reason: "binding \(binding.name) cannot read a tenant from \(claim) with template \(template)",
                    binding: binding.name)
            }
            tenantID = derived
        }
        guard let tenant = tenants[tenantID], let tenantClass = classes[tenant.className] else {
            return .none(
                reason: "binding \(binding.name) yields tenant '\(tenantID.prefix(63))', which is not declared",
                binding: binding.name)
        }
        return .tenant(binding: binding, tenant: tenant, tenantClass: tenantClass)
    }

    /// Allow or deny, with the tenant, binding, matched rules, effective TTL and the reason.
    /// `region` is this broker's region; a tenant whose residency excludes it is denied.
    public func decide(identity: VerifiedIdentity, request: PolicyRequest, region: String? = nil) -> PolicyDecision {
        switch bind(identity) {
        case .none(let reason, let binding):
            // Rare (a binding matched but refused the token or its tenant): the only path that looks a binding up.
            let global = binding.map { name in bindings.first { $0.name == name }?.isGlobal ?? false } ?? false
            return decision(.deny, reason, binding: binding, global: global)
        case .global(let binding, let role):
            let rules = matchingRules(binding.policies, request: request, identity: identity)
            return verdict(
                rules: rules, request: request, binding: binding, tenant: nil, tenantClass: nil,
                prefix: "global \(role.rawValue) access via \(binding.name)")
        case .tenant(let binding, let tenant, let tenantClass):
            let residency = tenant.residency ?? tenantClass.residency
            if let region, !residency.contains(region) {
                return decision(
                    .deny,
                    "tenant \(tenant.id) must stay in \(residency.joined(separator: ", ")); this broker runs in \(region)",
                    binding: binding.name, tenant: tenant.id, tenantClass: tenantClass.name)
            }
            // Reserved roots address broker-wide state, never a tenant's own paths: no tenant binding reaches them,
            // whatever a rule's glob or template or a class's engine list says.
            guard !RequestPath.reservedRoots.contains(request.path.engine) else {
                return decision(
                    .deny, "'\(request.path.engine)/…' is broker-wide state; only admin and auditor bindings reach it",
                    binding: binding.name, tenant: tenant.id, tenantClass: tenantClass.name)
            }
            guard tenantClass.engines.contains(request.path.engine) else {
                return decision(
                    .deny, "class \(tenantClass.name) does not allow the \(request.path.engine) engine",
                    binding: binding.name, tenant: tenant.id, tenantClass: tenantClass.name)
            }
            let rules = matchingRules(binding.policies + tenant.policies, request: request, identity: identity)
            return verdict(
                rules: rules, request: request, binding: binding, tenant: tenant, tenantClass: tenantClass,
                prefix: "tenant \(tenant.id) via \(binding.name)")
        }
    }

    private func matchingRules(
        _ policyNames: [String], request: PolicyRequest, identity: VerifiedIdentity
    ) -> [(policy: String, rule: Policy.Rule)] {
        var result: [(policy: String, rule: Policy.Rule)] = []
        for name in policyNames {
            guard let policy = policies[name] else { continue }
            for rule in policy.rules where rule.path.matches(request.path, identity: identity) {
                result.append((name, rule))
            }
        }
        return result
    }

    private func verdict(
        rules: [(policy: String, rule: Policy.Rule)], request: PolicyRequest, binding: RoleBinding,
        tenant: TenantDeclaration?, tenantClass: TenantClass?, prefix: String
    ) -> PolicyDecision {
        let matched = rules.map {
            PolicyDecision.MatchedRule(
                policy: $0.policy, path: $0.rule.path.text, capabilities: $0.rule.capabilities.sorted(),
                location: $0.rule.location)
        }
        if let denying = rules.first(where: { $0.rule.capabilities.contains(.deny) }) {
            return decision(
                .deny, "\(prefix): denied by policy \(denying.policy) rule '\(denying.rule.path.text)' (deny wins)",
                binding: binding.name, tenant: tenant?.id, tenantClass: tenantClass?.name, matched: matched,
                global: binding.isGlobal)
        }
        let granting = rules.filter { $0.rule.capabilities.contains(request.capability) }
        guard !granting.isEmpty else {
            return decision(
                .deny, "\(prefix): no rule grants \(request.capability.rawValue) on \(request.path)",
                binding: binding.name, tenant: tenant?.id, tenantClass: tenantClass?.name, matched: matched,
                global: binding.isGlobal)
        }
        var ttl = request.requestedTTL
        var limitedBy = request.requestedTTL == nil ? nil : "requested"
        var maxTTL: Duration?
        if let tenantClass {
            maxTTL = tenantClass.maxTTL
            if ttl == nil {
                ttl = tenantClass.defaultTTL
                limitedBy = "class default (\(tenantClass.name))"
            }
            let ruleCaps = granting.map(\.rule.maxTTL)
            if !ruleCaps.contains(where: { $0 == nil }), let cap = ruleCaps.compactMap({ $0 }).max() {
                maxTTL = min(cap, tenantClass.maxTTL)
            }
            if !ruleCaps.contains(where: { $0 == nil }), let cap = ruleCaps.compactMap({ $0 }).max(), let current = ttl,
                cap < current
            {
                ttl = cap
                limitedBy = "rule max_ttl (\(granting.first { $0.rule.maxTTL == cap }!.policy))"
            }
            if let current = ttl, tenantClass.maxTTL < current {
                ttl = tenantClass.maxTTL
                limitedBy = "class max_ttl (\(tenantClass.name))"
            }
        }
        return decision(
            .allow,
            "\(prefix): \(request.capability.rawValue) on \(request.path) granted by \(granting.map(\.policy).joined(separator: ", "))",
            binding: binding.name, tenant: tenant?.id, tenantClass: tenantClass?.name, matched: matched, ttl: ttl,
            limitedBy: limitedBy, maxTTL: maxTTL, global: binding.isGlobal)
    }

    private func decision(
        _ outcome: PolicyDecision.Outcome, _ reason: String, binding: String?, tenant: String? = nil,
        tenantClass: String? = nil, matched: [PolicyDecision.MatchedRule] = [], ttl: Duration? = nil,
        limitedBy: String? = nil, maxTTL: Duration? = nil, global: Bool = false
    ) -> PolicyDecision {
        PolicyDecision(
            outcome: outcome, reason: reason, tenant: tenant, binding: binding, tenantClass: tenantClass,
            globalScope: global,
            matchedRules: matched, effectiveTTL: outcome == .allow ? ttl : nil,
            ttlLimitedBy: outcome == .allow ? limitedBy : nil, maxTTL: outcome == .allow ? maxTTL : nil,
            bundleDigest: digest, bundleCommit: commit)
    }
}

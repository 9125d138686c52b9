import Foundation

/// A validated set of tenant classes, tenants, bindings and policies, indexed for decisions. Only
/// `validate` creates one, so a bundle in hand is always consistent.
public struct PolicyBundle: Sendable {
    public let classes: [String: TenantClass]
    public let tenants: [String: TenantDeclaration]
    public let bindings: [RoleBinding]
    public let policies: [String: Policy]
    /// SHA-256 (hex) over the bundle's canonical form.
    public let digest: String
    /// The git commit of the policy directory, when it is in a work tree.
    public let commit: String?
    let index: BindingIndex

    /// Checks every cross-reference and invariant; returns every problem found, each with its location.
    public static func validate(
        classes: [TenantClass], tenants: [TenantDeclaration], bindings: [RoleBinding], policies: [Policy],
        digest: String, commit: String?
    ) -> Result<PolicyBundle, PolicyIssues> {
        var issues: [PolicyIssue] = []
        let classByName = unique(classes, name: \.name, kind: "class", location: \.location, issues: &issues)
        let tenantByID = unique(tenants, name: \.id, kind: "tenant", location: \.location, issues: &issues)
        let policyByName = unique(policies, name: \.name, kind: "policy", location: \.location, issues: &issues)
        _ = unique(bindings, name: \.name, kind: "binding", location: \.location, issues: &issues)

        for tenantClass in classes {
            if tenantClass.defaultTTL > tenantClass.maxTTL {
                issues.append(.init(tenantClass.location, "class \(tenantClass.name): default_ttl exceeds max_ttl"))
            }
        }
        for tenant in tenants {
            if !TenantDeclaration.isValidID(tenant.id) {
                issues.append(
                    .init(tenant.location, "tenant id '\(tenant.id)' must be a DNS label (a-z, 0-9, '-', at most 63)"))
            }
            for name in tenant.policies {
                checkPolicy(
                    name, scope: .tenant, owner: "tenant \(tenant.id)", at: tenant.location, in: policyByName,
                    issues: &issues)
            }
            guard let tenantClass = classByName[tenant.className] else {
                issues.append(
                    .init(
                        tenant.location,
                        "tenant \(tenant.id): unknown class '\(tenant.className)' (known: \(classByName.keys.sorted().joined(separator: ", ")))"
                    ))
                continue
            }
            if let residency = tenant.residency, !Set(residency).isSubset(of: tenantClass.residency) {
                issues.append(
                    .init(
                        tenant.location,
                        "tenant \(tenant.id): residency \(residency) is outside class \(tenantClass.name)'s \(tenantClass.residency)"
                    ))
            }
        }
        for binding in bindings {
            let scope: Policy.Scope = binding.isGlobal ? .global : .tenant
            for name in binding.policies {
                checkPolicy(
                    name, scope: scope, owner: "binding \(binding.name)", at: binding.location, in: policyByName,
                    issues: &issues)
            }
            for tenant in possibleTenants(binding) where tenantByID[tenant] == nil {
                issues.append(
                    .init(
                        binding.location,
                        "binding \(binding.name) yields tenant '\(tenant)', which is not declared under tenants/"))
            }
            if case .template(let claim, let template) = binding.tenant {
                if template.components(separatedBy: "{tenant}").count != 2 {
                    issues.append(
                        .init(
                            binding.location,
                            "binding \(binding.name): template '\(template)' must contain {tenant} exactly once"))
                }
                if binding.boundClaims[claim] == nil {
                    issues.append(
                        .init(
                            binding.location,
                            "binding \(binding.name): bind the claim \(claim) that the tenant is read from (e.g. '\(template.replacingOccurrences(of: "{tenant}", with: "*"))')"
                        ))
                }
            }
        }
        let index = BindingIndex(bindings)
        for (first, second) in index.overlapCandidates() where bindings[first].overlaps(bindings[second]) {
            let (a, b) = first < second ? (bindings[first], bindings[second]) : (bindings[second], bindings[first])
            issues.append(
                .init(
                    b.location,
                    "bindings \(a.name) (\(a.location)) and \(b.name) can both match one identity; make their bound_claims disjoint so every identity has exactly one binding"
                ))
        }
        guard issues.isEmpty else {
            return .failure(
                PolicyIssues(
                    issues.sorted { ($0.location.file, $0.location.line) < ($1.location.file, $1.location.line) }))
        }
        return .success(
            PolicyBundle(
                classes: classByName, tenants: tenantByID, bindings: bindings, policies: policyByName, digest: digest,
                commit: commit, index: index))
    }

    /// The tenants a binding can yield, when they are knowable at load: its fixed tenant, or the
    /// literal values its template claim is bound to.
    private static func possibleTenants(_ binding: RoleBinding) -> [String] {
        switch binding.tenant {
        case .fixed(let tenant):
            return [tenant]
        case .template(let claim, let template):
            guard let globs = binding.boundClaims[claim] else { return [] }
            return globs.compactMap { glob in glob.literal.flatMap { RoleBinding.tenant(from: $0, template: template) }
            }
        case .global:
            return []
        }
    }

    private static func checkPolicy(
        _ name: String, scope: Policy.Scope, owner: String, at location: SourceLocation, in policies: [String: Policy],
        issues: inout [PolicyIssue]
    ) {
        guard let policy = policies[name] else {
            issues.append(.init(location, "\(owner): unknown policy '\(name)'"))
            return
        }
        if policy.scope != scope {
            let rule =
                scope == .global
                ? "admin and auditor bindings may use only scope: global policies"
                : "scope: global policies are only for admin and auditor bindings"
            issues.append(.init(location, "\(owner): policy '\(name)' is \(policy.scope.rawValue)-scoped; \(rule)"))
        }
    }

    private static func unique<T>(
        _ items: [T], name: KeyPath<T, String>, kind: String, location: KeyPath<T, SourceLocation>,
        issues: inout [PolicyIssue]
    ) -> [String: T] {
        var result: [String: T] = [:]
        for item in items {
            if let first = result[item[keyPath: name]] {
                issues.append(
                    .init(
                        item[keyPath: location],
                        "\(kind) '\(item[keyPath: name])' is already declared at \(first[keyPath: location])"))
            } else {
                result[item[keyPath: name]] = item
            }
        }
        return result
    }
}

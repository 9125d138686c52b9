import Foundation
import LessorCore
import LessorCrypto

/// The bundle as data only — no comments, formatting, file layout or line numbers — encoded as JSON
/// with sorted keys and sorted lists. Its SHA-256 is the bundle digest, so a reformatted file keeps
/// the digest and any change of meaning changes it.
enum PolicyCanonicalForm {
    static func digest(
        classes: [TenantClass], tenants: [TenantDeclaration], bindings: [RoleBinding], policies: [Policy]
    ) -> String {
        let form: JSONValue = .object([
            "classes": .array(classes.sorted { $0.name < $1.name }.map(canonical)),
            "tenants": .array(tenants.sorted { $0.id < $1.id }.map(canonical)),
            "bindings": .array(bindings.sorted { $0.name < $1.name }.map(canonical)),
            "policies": .array(policies.sorted { $0.name < $1.name }.map(canonical)),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = (try? encoder.encode(form)) ?? Data()
        return Digest.sha256(Array(bytes)).map { String(format: "%02x", $0) }.joined()
    }

    private static func strings(_ values: some Sequence<String>) -> JSONValue {
        .array(values.sorted().map(JSONValue.string))
    }

    private static func seconds(_ duration: Duration?) -> JSONValue {
        duration.map { .number(Double($0.components.seconds)) } ?? .null
    }

    private static func canonical(_ value: TenantClass) -> JSONValue {
        .object([
            "name": .string(value.name), "default_ttl": seconds(value.defaultTTL), "max_ttl": seconds(value.maxTTL),
            "engines": strings(value.engines), "residency": strings(value.residency),
            "audit_retention_days": .number(Double(value.auditRetentionDays)),
            "requests_per_second": .number(Double(value.requestsPerSecond)), "burst": .number(Double(value.burst)),
            "max_leases": .number(Double(value.maxLeases)), "isolation": .string(value.isolation.rawValue),
            "renewable": .bool(value.renewable),
        ])
    }

    private static func canonical(_ value: TenantDeclaration) -> JSONValue {
        .object([
            "id": .string(value.id), "class": .string(value.className),
            "residency": value.residency.map(strings) ?? .null, "policies": strings(value.policies),
        ])
    }

    private static func canonical(_ value: RoleBinding) -> JSONValue {
        let tenant: JSONValue
        switch value.tenant {
        case .fixed(let id): tenant = .object(["fixed": .string(id)])
        case .template(let claim, let template):
            tenant = .object(["claim": .string(claim.name), "template": .string(template)])
        case .global(let role): tenant = .object(["global_role": .string(role.rawValue)])
        }
        var form: [String: JSONValue] = [
            "name": .string(value.name), "issuer": .string(value.issuer), "audiences": strings(value.audiences),
            "bound_claims": claims(value.boundClaims), "tenant": tenant,
            "policies": .array(value.policies.map(JSONValue.string)), "max_token_age": seconds(value.maxTokenAge),
        ]
        // Present only when set, so bundles without delegation keep the digest they had before it existed.
        if let delegation = value.delegation {
            form["delegation"] = .object([
                "actors": .object([
                    "issuer": .string(delegation.actorIssuer), "bound_claims": claims(delegation.actorClaims),
                ])
            ])
        }
        if let requirement = value.clientCertificate {
            form["client_certificate"] = .object(["names": strings(requirement.names.map(\.pattern))])
        }
        return .object(form)
    }

    private static func claims(_ bound: [ClaimPath: [ClaimGlob]]) -> JSONValue {
        var claims: [String: JSONValue] = [:]
        for (claim, globs) in bound { claims[claim.name] = strings(globs.map(\.pattern)) }
        return .object(claims)
    }

    private static func canonical(_ value: Policy) -> JSONValue {
        .object([
            "name": .string(value.name), "scope": .string(value.scope.rawValue),
            "rules": .array(
                value.rules.map {
                    .object([
                        "path": .string($0.path.text), "capabilities": strings($0.capabilities.map(\.rawValue)),
                        "max_ttl": seconds($0.maxTTL),
                    ])
                }),
        ])
    }
}

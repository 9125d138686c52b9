import Foundation

/// Matches verified identities, the way an IAM trust policy matches `sub` and `aud`, and says which
/// tenant and policies they get.
public struct RoleBinding: Sendable, Hashable {
    public enum TenantSource: Sendable, Hashable {
        /// Every identity this binding matches acts for this tenant.
        case fixed(String)
        /// The tenant is read from a claim through a template such as `tenant-{tenant}`.
        case template(claim: ClaimPath, template: String)
        /// Admin and auditor bindings: no tenant; only `scope: global` policies.
        case global(role: GlobalRole)
    }

    public enum GlobalRole: String, Sendable, Hashable, Codable { case admin, auditor }

    /// RFC 8693 delegation: which actors may act for the identities this binding matches. A binding
    /// with a delegation is delegation-only: its subjects (a tenant identity provider's users, say)
    /// get credentials only through a token exchange that also presents an admitted actor's token.
    public struct Delegation: Sendable, Hashable {
        /// The actor token's exact `iss`.
        public let actorIssuer: String
        /// Every listed claim of the actor token must match one of its globs.
        public let actorClaims: [ClaimPath: [ClaimGlob]]

        public init(actorIssuer: String, actorClaims: [ClaimPath: [ClaimGlob]]) {
            self.actorIssuer = actorIssuer
            self.actorClaims = actorClaims
        }

        /// True when the actor's issuer and every selected claim fit.
        public func admits(_ actor: VerifiedIdentity) -> Bool {
            guard actor.issuer == actorIssuer, !actorClaims.isEmpty else { return false }
            for (claim, globs) in actorClaims {
                let values = claim.values(in: actor.claims)
                guard values.contains(where: { value in globs.contains { $0.matches(value) } }) else { return false }
            }
            return true
        }
    }

    public let name: String
    public let issuer: String
    /// Empty: any audience the issuer configuration accepts.
    public let audiences: [String]
    /// Every listed claim must match one of its globs.
    public let boundClaims: [ClaimPath: [ClaimGlob]]
    public let tenant: TenantSource
    public let policies: [String]
    public let maxTokenAge: Duration?
    /// Nil: the binding refuses actor tokens. Set: it requires one its selector admits.
    public let delegation: Delegation?
    /// Global bindings only: nil, or the client certificate every request must present.
    public let clientCertificate: ClientCertificateRequirement?
    public let location: SourceLocation

    public init(
        name: String, issuer: String, audiences: [String], boundClaims: [ClaimPath: [ClaimGlob]],
        tenant: TenantSource, policies: [String], maxTokenAge: Duration?, delegation: Delegation? = nil,
        clientCertificate: ClientCertificateRequirement? = nil, location: SourceLocation
    ) {
        self.name = name
        self.issuer = issuer
        self.audiences = audiences
        self.boundClaims = boundClaims
        self.tenant = tenant
        self.policies = policies
        self.maxTokenAge = maxTokenAge
        self.delegation = delegation
        self.clientCertificate = clientCertificate
        self.location = location
    }

    public var isGlobal: Bool {
        if case .global = tenant { return true }
        return false
    }

    /// True when the identity's issuer, audience and every bound claim fit this binding.
    public func matches(_ identity: VerifiedIdentity) -> Bool {
        guard identity.issuer == issuer else { return false }
        if !audiences.isEmpty, !identity.audiences.contains(where: audiences.contains) { return false }
        for (claim, globs) in boundClaims {
            let values = claim.values(in: identity.claims)
            guard values.contains(where: { value in globs.contains { $0.matches(value) } }) else { return false }
        }
        return true
    }

    /// True when one identity could match both bindings: same issuer, and for every claim both
    /// bindings constrain, patterns that can both match one value. Audiences never separate two
    /// bindings: a workload chooses the audiences of the tokens it requests, and one token may carry
    /// several.
    public func overlaps(_ other: RoleBinding) -> Bool {
        guard issuer == other.issuer else { return false }
        for (claim, globs) in boundClaims {
            guard let theirs = other.boundClaims[claim] else { continue }
            guard globs.contains(where: { mine in theirs.contains { mine.intersects($0) } }) else { return false }
        }
        return true
    }

    /// Reads the tenant id a template yields for a claim value, or nil when the value does not fit.
    public static func tenant(from value: String, template: String) -> String? {
        guard let marker = template.range(of: "{tenant}") else { return nil }
        let prefix = template[..<marker.lowerBound]
        let suffix = template[marker.upperBound...]
        guard value.count > prefix.count + suffix.count, value.hasPrefix(prefix), value.hasSuffix(suffix) else {
            return nil
        }
        return String(value.dropFirst(prefix.count).dropLast(suffix.count))
    }
}

public import Foundation

/// A source of credentials (`token`, `aws`, `db`). The broker asks it to issue after the lease
/// intent is durable, and to revoke with the handle it returned. Engines never see other tenants'
/// leases and never log what they issue.
public protocol CredentialEngine: Sendable {
    /// The first path segment this engine serves.
    var name: String { get }
    /// Whether its credentials can be renewed (the tenant class must allow it too).
    var supportsRenewal: Bool { get }
    func issue(_ request: CredentialRequest) async throws(LessorError) -> IssuedCredential
    /// Extends a credential to the lease's new expiry; returns fresh data when the credential
    /// itself changes (a re-signed token), nil when the old one stays valid.
    func renew(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) -> [String: JSONValue]?
    /// Revokes upstream. Idempotent: revoking what is already gone succeeds.
    func revoke(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError)
    /// The longest lease this engine can back at `enginePath` (the path after the engine's name),
    /// or nil when the policy and the class alone decide. The broker cuts the lease's TTL and its
    /// renewal limit to it, so a lease never outlives its credential.
    func maximumTTL(enginePath: [String]) -> Duration?
    /// Offboarding's last word to the engine, after every lease of the tenant was revoked: cut off
    /// what single revocations cannot (the AWS engine denies every session issued before `at`).
    /// Returns non-secret facts for the audit record and the deletion certificate; keys start with
    /// the engine's name (`aws_revoked_sessions_roles`). Idempotent: offboarding may run again.
    func offboard(tenantID: String, at: Date) async throws(LessorError) -> [String: String]
}

extension CredentialEngine {
    /// No limit of the engine's own.
    public func maximumTTL(enginePath: [String]) -> Duration? { nil }

    /// Nothing to do beyond revoking the leases.
    public func offboard(tenantID: String, at: Date) async throws(LessorError) -> [String: String] { [:] }
}

/// What the broker asks an engine for: the lease is already durable as an intent.
public struct CredentialRequest: Sendable {
    public var lease: Lease
    /// The path below the engine's segment (`audiences/billing` for `token/audiences/billing`).
    public var enginePath: [String]
    public var identity: VerifiedIdentity
    /// The party acting for `identity` under RFC 8693 delegation; nil when it acts for itself.
    public var actor: VerifiedIdentity?
    /// A narrowing the caller asked for (an STS `Policy` document). Only the STS adapter sends one,
    /// and only to a `RoleNamedEngine`, which applies it or refuses the request.
    public var scopeDown: String?

    public init(
        lease: Lease, enginePath: [String], identity: VerifiedIdentity, actor: VerifiedIdentity? = nil,
        scopeDown: String? = nil
    ) {
        self.lease = lease
        self.enginePath = enginePath
        self.identity = identity
        self.actor = actor
        self.scopeDown = scopeDown
    }
}

/// The credential for the caller, and what the engine needs later to revoke it.
public struct IssuedCredential: Sendable {
    /// Returned to the caller only; never stored, logged or audited.
    public var data: [String: JSONValue]
    /// Stored sealed with the tenant's data key.
    public var revocationHandle: [UInt8]?
    /// An identifier the caller will later present (an AWS access key id), under which the lease
    /// can be found; stored only as a SHA-256 digest.
    public var lookupKey: String?

    public init(data: [String: JSONValue], revocationHandle: [UInt8]?, lookupKey: String? = nil) {
        self.data = data
        self.revocationHandle = revocationHandle
        self.lookupKey = lookupKey
    }
}

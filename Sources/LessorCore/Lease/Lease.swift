public import Foundation

/// A credential's lease: who holds it, for which tenant and path, until when, and how to revoke it.
/// `id` is opaque and unguessable; it is the credential's handle for renew and revoke.
public struct Lease: Sendable, Hashable {
    public var id: String
    public var tenantID: String
    public var issuer: String
    public var subject: String
    public var binding: String
    /// Tenant-relative path the credential was issued for (`token/audiences/billing`).
    public var path: String
    /// The engine that issued it (`token`, `aws`, `db`).
    public var engine: String
    public var issuedAt: Date
    public var expiresAt: Date
    /// Renewals never move `expiresAt` past this.
    public var maxExpiresAt: Date
    public var renewable: Bool
    public var state: LeaseState
    /// The engine's revocation handle, sealed with the tenant's data key; nil until issued.
    public var sealedRevocationHandle: [UInt8]?
    public var policyDigest: String
    public var requestID: String
    /// Failed engine revocations so far, when the next is due, and the last failure.
    public var revokeAttempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?

    public init(
        id: String, tenantID: String, issuer: String, subject: String, binding: String, path: String, engine: String,
        issuedAt: Date, expiresAt: Date, maxExpiresAt: Date, renewable: Bool, state: LeaseState,
        sealedRevocationHandle: [UInt8]? = nil, policyDigest: String, requestID: String, revokeAttempts: Int = 0,
        nextAttemptAt: Date? = nil, lastError: String? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.issuer = issuer
        self.subject = subject
        self.binding = binding
        self.path = path
        self.engine = engine
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.maxExpiresAt = maxExpiresAt
        self.renewable = renewable
        self.state = state
        self.sealedRevocationHandle = sealedRevocationHandle
        self.policyDigest = policyDigest
        self.requestID = requestID
        self.revokeAttempts = revokeAttempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
    }

    /// Active and not past its expiry at `now`: what introspection calls `active`.
    public func isLive(at now: Date) -> Bool { state == .active && expiresAt > now }
}

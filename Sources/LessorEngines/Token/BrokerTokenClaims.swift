public import Foundation

/// The claims of a verified broker token, for introspection. Whether the token is still usable
/// is the lease's state: look the lease up by `jti` and `tenant`.
public struct BrokerTokenClaims: Sendable, Hashable {
    /// The lease id.
    public let jti: String
    public let tenant: String
    public let subject: String
    public let audience: String
    public let issuer: String
    public let issuedAt: Date
    public let expiresAt: Date
    /// The signing key.
    public let keyID: String

    public init(
        jti: String, tenant: String, subject: String, audience: String, issuer: String, issuedAt: Date,
        expiresAt: Date, keyID: String
    ) {
        self.jti = jti
        self.tenant = tenant
        self.subject = subject
        self.audience = audience
        self.issuer = issuer
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.keyID = keyID
    }
}

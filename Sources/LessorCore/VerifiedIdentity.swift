public import Foundation

/// A workload identity whose token signature and claims have been verified. Only the token verifier
/// creates these; everything after authentication trusts them.
public struct VerifiedIdentity: Sendable, Hashable {
    public let issuer: String
    public let subject: String
    public let audiences: [String]
    public let expiresAt: Date
    public let issuedAt: Date?
    public let notBefore: Date?
    public let tokenID: String?
    public let keyID: String?
    public let algorithm: String
    public let kubernetes: KubernetesIdentity?
    /// Every claim as it appeared in the token, for bindings that select on claims Lessor does not type.
    public let claims: [String: JSONValue]

    public init(
        issuer: String, subject: String, audiences: [String], expiresAt: Date, issuedAt: Date?,
        notBefore: Date?, tokenID: String?, keyID: String?, algorithm: String,
        kubernetes: KubernetesIdentity?, claims: [String: JSONValue]
    ) {
        self.issuer = issuer
        self.subject = subject
        self.audiences = audiences
        self.expiresAt = expiresAt
        self.issuedAt = issuedAt
        self.notBefore = notBefore
        self.tokenID = tokenID
        self.keyID = keyID
        self.algorithm = algorithm
        self.kubernetes = kubernetes
        self.claims = claims
    }
}

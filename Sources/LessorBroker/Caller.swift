public import LessorCore

/// Who is asking, as far as a use case cares: a verified identity, the request id that ties
/// logs, audit records and the answer together, and the client certificate the TLS handshake
/// verified, if any (read for admin routes only).
public struct Caller: Sendable {
    public let identity: VerifiedIdentity
    public let requestID: String
    public var clientCertificate: ClientCertificate?

    public init(identity: VerifiedIdentity, requestID: String, clientCertificate: ClientCertificate? = nil) {
        self.identity = identity
        self.requestID = requestID
        self.clientCertificate = clientCertificate
    }

    var auditSubject: AuditEntry.Subject { .init(issuer: identity.issuer, subject: identity.subject) }
}

public import LessorCore

/// Who is asking, as far as a use case cares: a verified identity and the request id that ties
/// logs, audit records and the answer together.
public struct Caller: Sendable {
    public let identity: VerifiedIdentity
    public let requestID: String

    public init(identity: VerifiedIdentity, requestID: String) {
        self.identity = identity
        self.requestID = requestID
    }

    var auditSubject: AuditEntry.Subject { .init(issuer: identity.issuer, subject: identity.subject) }
}

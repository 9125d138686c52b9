/// A global binding's demand for mTLS (`require_client_certificate: true`): the request must come
/// with a client certificate verified against `server.tls.client_ca`, and, when `names` is not
/// empty, one of its subject alternative names must match one of the globs.
public struct ClientCertificateRequirement: Sendable, Hashable {
    public let names: [ClaimGlob]

    public init(names: [ClaimGlob]) {
        self.names = names
    }

    /// Nil when the certificate satisfies the requirement, else why not (for the audit record).
    public func refusal(of certificate: ClientCertificate?) -> String? {
        guard let certificate else {
            return
                "this binding requires a client certificate signed by the configured client CA (mTLS); none was presented"
        }
        guard names.isEmpty || certificate.names.contains(where: { name in names.contains { $0.matches(name) } }) else {
            let wanted = names.map(\.pattern).joined(separator: ", ")
            return "the client certificate names none of \(wanted)"
        }
        return nil
    }
}

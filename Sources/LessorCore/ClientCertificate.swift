/// A client certificate the TLS handshake verified against `server.tls.client_ca`: its SHA-256
/// fingerprint and its subject alternative names (DNS, email and URI), which admin bindings match.
public struct ClientCertificate: Sendable, Hashable {
    /// SHA-256 of the leaf's DER, lowercase hex.
    public let fingerprint: String
    public let names: [String]

    public init(fingerprint: String, names: [String]) {
        self.fingerprint = fingerprint
        self.names = names
    }
}

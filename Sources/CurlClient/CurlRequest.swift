/// One outbound HTTP request and the limits it runs under.
public struct CurlRequest: Sendable {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    public var url: String
    public var method: Method
    /// Sent in order. A value must not contain a line break.
    public var headers: [(name: String, value: String)]
    /// Sent with `.post` only (an empty body when nil); ignored for `.get`.
    public var body: [UInt8]?
    /// PEM file of the only CAs to trust (`CURLOPT_CAINFO`); nil trusts the system store.
    public var caBundlePath: String?
    /// PEM client certificate presented in the TLS handshake (`CURLOPT_SSLCERT`), with its key.
    public var clientCertificatePath: String?
    /// PEM private key of `clientCertificatePath` (`CURLOPT_SSLKEY`); nil when the certificate file
    /// holds it too. A key without a certificate is refused before anything is sent.
    public var clientKeyPath: String?
    public var connectTimeout: Duration
    /// Covers the whole exchange, redirects included.
    public var totalTimeout: Duration
    /// A larger body (announced or received) aborts the transfer with `.responseTooLarge`.
    public var maxResponseBytes: Int
    /// Only `https` is allowed unless this is true; then `http` is allowed too.
    public var allowPlainHTTP: Bool
    /// Redirects are followed here, not inside curl, and only to the same scheme, host and port.
    public var maxRedirects: Int

    public init(
        url: String,
        method: Method = .get,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        caBundlePath: String? = nil,
        clientCertificatePath: String? = nil,
        clientKeyPath: String? = nil,
        connectTimeout: Duration = .seconds(5),
        totalTimeout: Duration = .seconds(10),
        maxResponseBytes: Int = 1 << 20,
        allowPlainHTTP: Bool = false,
        maxRedirects: Int = 0
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.caBundlePath = caBundlePath
        self.clientCertificatePath = clientCertificatePath
        self.clientKeyPath = clientKeyPath
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxResponseBytes = maxResponseBytes
        self.allowPlainHTTP = allowPlainHTTP
        self.maxRedirects = maxRedirects
    }
}

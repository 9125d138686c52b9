/// An HTTP request as AWS Signature Version 4 sees it: what is signed, and what a verifier
/// recomputes. Header names are compared without regard to case.
public struct SigV4Request: Sendable {
    /// `GET`, `POST`, …; upper-cased when signed.
    public var method: String
    /// The path as sent on the wire (`/`, `/sts/`); dot segments and repeated slashes are removed
    /// and every byte outside RFC 3986's unreserved set is percent-encoded when signed, `%`
    /// included: AWS's double encoding for services other than S3, as botocore does.
    public var path: String
    /// The query string without `?`, as sent (`Action=GetCallerIdentity&Version=2011-06-15`).
    public var query: String
    /// In order; a name may repeat (the values are then joined with `,` when signed).
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(
        method: String, path: String = "/", query: String = "", headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Every value of the header `name`, in order.
    public func values(of name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// The single value of `name`, or nil when it is absent or repeated.
    public func value(of name: String) -> String? {
        let found = values(of: name)
        return found.count == 1 ? found[0] : nil
    }

    /// Replaces every header named `name` (any case) with one `name: value`.
    public mutating func setHeader(_ name: String, _ value: String) {
        removeHeader(name)
        headers.append((name: name, value: value))
    }

    public mutating func removeHeader(_ name: String) {
        let wanted = name.lowercased()
        headers.removeAll { $0.name.lowercased() == wanted }
    }
}

/// The keys a request is signed with. `description` never shows the secret or the session token.
public struct SigV4Credentials: Sendable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Sent as `X-Amz-Security-Token` (and signed) for temporary credentials.
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        "SigV4Credentials(\(accessKeyID), secret redacted\(sessionToken == nil ? "" : ", session token redacted"))"
    }
}

/// The credential scope: the day, region and service a signing key is derived for.
public struct SigV4Scope: Sendable, Hashable, CustomStringConvertible {
    /// `YYYYMMDD`, UTC.
    public var date: String
    public var region: String
    public var service: String

    public init(date: String, region: String, service: String) {
        self.date = date
        self.region = region
        self.service = service
    }

    /// `date/region/service/aws4_request`, as in the string to sign.
    public var description: String { "\(date)/\(region)/\(service)/aws4_request" }
}

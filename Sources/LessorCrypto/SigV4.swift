public import Foundation
internal import LessorCore

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for requests to AWS services other than S3:
/// canonical request, string to sign, the HMAC-SHA256 signing-key chain and the `Authorization`
/// header. `SigV4Verifier` checks what a client signed the same way.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// Headers never signed, as botocore: hop-by-hop headers, `user-agent` (proxies rewrite it)
    /// and the trace header AWS's load balancers add.
    public static let unsignedHeaders: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
        "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
    ]

    public let region: String
    public let service: String

    public init(region: String, service: String) {
        self.region = region
        self.service = service
    }

    /// The request with `X-Amz-Date`, `X-Amz-Security-Token` (for temporary credentials) and
    /// `Authorization` set. Every other header it carries is signed, except `unsignedHeaders`;
    /// it must already carry `Host`.
    public func sign(_ request: SigV4Request, with credentials: SigV4Credentials, at date: Date) -> SigV4Request {
        var signed = request
        signed.removeHeader("authorization")
        signed.removeHeader("date")
        signed.setHeader("X-Amz-Date", SigV4.amzDate(date))
        if let token = credentials.sessionToken {
            signed.setHeader("X-Amz-Security-Token", token)
        } else {
            signed.removeHeader("x-amz-security-token")
        }
        let names = SigV4.headerNames(of: signed).filter { !Self.unsignedHeaders.contains($0) }
        let scope = SigV4Scope(date: String(SigV4.amzDate(date).prefix(8)), region: region, service: service)
        let signature = SigV4.signature(
            of: signed, signedHeaders: names, payloadHash: SigV4.payloadHash(of: signed), amzDate: SigV4.amzDate(date),
            scope: scope, secretAccessKey: credentials.secretAccessKey)
        let authorization = SigV4Authorization(
            accessKeyID: credentials.accessKeyID, scope: scope, signedHeaders: names, signature: signature)
        signed.setHeader("Authorization", authorization.headerValue)
        return signed
    }
}

/// The steps of Signature Version 4, each usable (and tested) on its own.
public enum SigV4 {
    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    public static func amzDate(_ date: Date) -> String {
        // `2015-08-30T12:36:00.000000Z` → `20150830T123600Z`.
        let text = Array(AuditTimestamp.format(date).utf8)
        let digits = text[0..<4] + text[5..<7] + text[8..<10] + [UInt8(ascii: "T")] + text[11..<13] + text[14..<16]
        return String(decoding: digits + text[17..<19] + [UInt8(ascii: "Z")], as: UTF8.self)
    }

    /// The instant an `amzDate` string names, or nil when it has another shape.
    public static func parseAmzDate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        let parts = [bytes[0..<4], bytes[4..<6], bytes[6..<8], bytes[9..<11], bytes[11..<13], bytes[13..<15]]
        guard parts.allSatisfy({ $0.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }) else {
            return nil
        }
        let text = parts.map { String(decoding: $0, as: UTF8.self) }
        return AuditTimestamp.parse("\(text[0])-\(text[1])-\(text[2])T\(text[3]):\(text[4]):\(text[5]).000000Z")
    }

    /// Lowercase hex SHA-256 of the body.
    public static func payloadHash(of request: SigV4Request) -> String { Hex.lowercase(Digest.sha256(request.body)) }

    /// The lowercased names of the request's headers, sorted and without repeats.
    public static func headerNames(of request: SigV4Request) -> [String] {
        Set(request.headers.map { $0.name.lowercased() }).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Method, canonical URI, canonical query, canonical headers, signed headers and payload
    /// hash, one per line. `signedHeaders` are lowercased names; a name the request lacks signs
    /// an empty value (so a verifier fails on it rather than skipping it).
    public static func canonicalRequest(_ request: SigV4Request, signedHeaders: [String], payloadHash: String)
        -> String
    {
        let names = signedHeaders.map { $0.lowercased() }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var headerLines = ""
        for name in names {
            let value = request.values(of: name).map(trimmedHeaderValue).joined(separator: ",")
            headerLines += "\(name):\(value)\n"
        }
        return [
            request.method.uppercased(), canonicalURI(request.path), canonicalQuery(request.query), headerLines,
            names.joined(separator: ";"), payloadHash,
        ].joined(separator: "\n")
    }

    /// `AWS4-HMAC-SHA256`, the request time, the scope and the hex SHA-256 of the canonical request.
    public static func stringToSign(canonicalRequest: String, amzDate: String, scope: SigV4Scope) -> String {
        [SigV4Signer.algorithm, amzDate, scope.description, Hex.lowercase(Digest.sha256(Array(canonicalRequest.utf8)))]
            .joined(separator: "\n")
    }

    /// HMAC-SHA256 chained over `AWS4<secret>`, the date, region, service and `aws4_request`.
    public static func signingKey(secretAccessKey: String, scope: SigV4Scope) -> [UInt8] {
        var key = HMAC.sha256(key: Array(("AWS4" + secretAccessKey).utf8), message: Array(scope.date.utf8))
        for part in [scope.region, scope.service, "aws4_request"] {
            key = HMAC.sha256(key: key, message: Array(part.utf8))
        }
        return key
    }

    /// The lowercase hex signature of the request.
    public static func signature(
        of request: SigV4Request, signedHeaders: [String], payloadHash: String, amzDate: String, scope: SigV4Scope,
        secretAccessKey: String
    ) -> String {
        let canonical = canonicalRequest(request, signedHeaders: signedHeaders, payloadHash: payloadHash)
        let text = stringToSign(canonicalRequest: canonical, amzDate: amzDate, scope: scope)
        let key = signingKey(secretAccessKey: secretAccessKey, scope: scope)
        return Hex.lowercase(HMAC.sha256(key: key, message: Array(text.utf8)))
    }

    /// The path with `.`/`..` segments and repeated slashes removed (RFC 3986 §5.2.4, as AWS
    /// requires), then percent-encoded except for unreserved bytes and `/`. An empty path is `/`.
    public static func canonicalURI(_ path: String) -> String {
        guard !path.isEmpty else { return "/" }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) where segment != "." {
            if segment == ".." {
                _ = segments.popLast()
            } else {
                segments.append(segment)
            }
        }
        let leading = path.hasPrefix("/") ? "/" : ""
        let trailing = path.hasSuffix("/") && !segments.isEmpty ? "/" : ""
        let joined = leading + segments.joined(separator: "/") + trailing
        return uriEncode(joined, keepingSlash: true)
    }

    /// Each `name=value` pair percent-decoded and re-encoded strictly (RFC 3986 unreserved bytes
    /// only), then sorted by name and value. A pair without `=` has an empty value.
    public static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = uriEncode(bytes: percentDecoded(parts[0]), keepingSlash: false)
            let value = parts.count > 1 ? uriEncode(bytes: percentDecoded(parts[1]), keepingSlash: false) : ""
            return (name, value)
        }
        return pairs.sorted {
            $0.0 == $1.0
                ? $0.1.utf8.lexicographicallyPrecedes($1.1.utf8) : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8)
        }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Percent-encodes every UTF-8 byte outside `A-Z a-z 0-9 - . _ ~` (and `/` when kept), with
    /// upper-case hex, as SigV4 requires.
    public static func uriEncode(_ text: some StringProtocol, keepingSlash: Bool) -> String {
        uriEncode(bytes: text.utf8, keepingSlash: keepingSlash)
    }

    static func uriEncode(bytes: some Sequence<UInt8>, keepingSlash: Bool) -> String {
        var out: [UInt8] = []
        let digits = Array("0123456789ABCDEF".utf8)
        for byte in bytes {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 3986 unreserved: letters, digits, `-`, `.`, `_`, `~`.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// `%XX` escapes decoded to bytes; a `%` not followed by two hex digits stays as it is.
    static func percentDecoded(_ text: Substring) -> [UInt8] {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hexValue(bytes[index + 1]),
                let low = hexValue(bytes[index + 2])
            {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Leading and trailing blanks removed and inner runs of blanks cut to one space.
    static func trimmedHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

}

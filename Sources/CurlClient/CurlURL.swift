internal import CCurl
internal import LessorCore

/// A URL parsed by libcurl's own parser (`CURLU`), so what is checked is what curl requests.
final class CurlURL {
    private let handle: OpaquePointer

    /// The scheme, host and port a redirect must keep; scheme and host lowercased.
    struct Origin: Equatable {
        let scheme: String
        let host: String
        let port: String
    }

    /// The full URL as curl normalises it.
    let string: String
    let origin: Origin
    /// `scheme://host:port/path`: never the query string, fragment or userinfo.
    let redacted: String

    convenience init(parsing url: String) throws(LessorError) {
        guard let handle = curl_url() else {
            throw LessorError(.internalFailure, "libcurl could not allocate a URL handle")
        }
        try self.init(handle: handle, setting: url)
    }

    /// Resolves `reference` (absolute or relative, as in a `Location` header) against this URL.
    func resolving(_ reference: String) throws(LessorError) -> CurlURL {
        guard let copy = curl_url_dup(handle) else {
            throw LessorError(.internalFailure, "libcurl could not allocate a URL handle")
        }
        return try CurlURL(handle: copy, setting: reference)
    }

    private init(handle: OpaquePointer, setting url: String) throws(LessorError) {
        let code = curl_url_set(handle, CURLUPART_URL, url, 0)
        guard code == CURLUE_OK else {
            curl_url_cleanup(handle)
            throw LessorError(
                .upstreamFailure, "the URL is not valid: \(String(cString: curl_url_strerror(code)))")
        }
        self.handle = handle
        let scheme = (Self.part(handle, CURLUPART_SCHEME) ?? "").lowercased()
        let host = (Self.part(handle, CURLUPART_HOST) ?? "").lowercased()
        let port = Self.part(handle, CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)) ?? ""
        let path = Self.part(handle, CURLUPART_PATH) ?? "/"
        string = Self.part(handle, CURLUPART_URL) ?? url
        origin = Origin(scheme: scheme, host: host, port: port)
        redacted = "\(scheme)://\(host):\(port)\(path)"
    }

    deinit { curl_url_cleanup(handle) }

    private static func part(_ handle: OpaquePointer, _ part: CURLUPart, flags: UInt32 = 0) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        guard curl_url_get(handle, part, &value, flags) == CURLUE_OK, let value else { return nil }
        defer { curl_free(value) }
        return String(cString: value)
    }
}

import Foundation
import LessorCore

/// A checked AWS service endpoint: `https://host[:port][/path]`, or plain `http` for a loopback
/// host only (a test server). No query, fragment or user info.
struct AWSEndpoint: Sendable, Hashable {
    let url: String
    /// The `Host` header and the signed host: the port only when it is not the scheme's default.
    let host: String
    /// The request path; `/` when the URL has none.
    let path: String
    let allowsPlainHTTP: Bool

    init(_ text: String, service: String) throws(LessorError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            let hostname = components.host, !hostname.isEmpty, components.query == nil, components.fragment == nil,
            components.user == nil, components.password == nil
        else {
            throw LessorError(
                .configInvalid,
                "aws engine: the \(service) endpoint '\(text.prefix(256))' must be an absolute URL without query, fragment or user info"
            )
        }
        let loopback = ["localhost", "127.0.0.1", "::1", "[::1]"].contains(hostname.lowercased())
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw LessorError(
                .configInvalid,
                "aws engine: the \(service) endpoint '\(text.prefix(256))' must use https (http only for a loopback host)"
            )
        }
        let defaultPort = scheme == "https" ? 443 : 80
        let shownHost = hostname.contains(":") && !hostname.hasPrefix("[") ? "[\(hostname)]" : hostname
        host = components.port.map { $0 == defaultPort ? shownHost : "\(shownHost):\($0)" } ?? shownHost
        path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        url = "\(scheme)://\(host)\(path)"
        allowsPlainHTTP = scheme == "http"
    }
}

import CurlClient
import Foundation
import LessorCore
import LessorCrypto

/// One AWS Query API service (STS, IAM): form-encoded POSTs signed with SigV4, answered in XML.
/// AWS error answers become `LessorError`s that name the action, the AWS error code and AWS's
/// message, never a key or token.
struct AWSQueryClient: Sendable {
    let endpoint: AWSEndpoint
    let signer: SigV4Signer
    let version: String
    let caBundlePath: String?
    let timeout: Duration
    let clock: WallClock
    private let http = CurlHTTPClient()

    init(
        endpoint: AWSEndpoint, region: String, service: String, version: String, caBundlePath: String?,
        timeout: Duration, clock: WallClock
    ) {
        self.endpoint = endpoint
        signer = SigV4Signer(region: region, service: service)
        self.version = version
        self.caBundlePath = caBundlePath
        self.timeout = timeout
        self.clock = clock
    }

    /// `Action=<action>&Version=<version>&<parameters>` as the form body.
    static func formBody(action: String, version: String, parameters: [(String, String)]) -> [UInt8] {
        let pairs = [("Action", action), ("Version", version)] + parameters
        let text = pairs.map {
            SigV4.uriEncode($0.0, keepingSlash: false) + "=" + SigV4.uriEncode($0.1, keepingSlash: false)
        }
        .joined(separator: "&")
        return Array(text.utf8)
    }

    /// Posts the action, signed with `credentials` (unsigned when nil, as
    /// `AssumeRoleWithWebIdentity` is), and returns the `<action>Result` element.
    func call(action: String, parameters: [(String, String)], credentials: AWSCredentials?) async throws(LessorError)
        -> AWSXMLElement
    {
        var request = SigV4Request(
            method: "POST", path: endpoint.path,
            headers: [
                (name: "Host", value: endpoint.host),
                (name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8"),
            ],
            body: Self.formBody(action: action, version: version, parameters: parameters))
        if let credentials {
            request = signer.sign(request, with: credentials.signing, at: clock.now)
        }
        let response = try await http.send(
            CurlRequest(
                url: endpoint.url, method: .post, headers: request.headers, body: request.body,
                caBundlePath: caBundlePath, totalTimeout: timeout, maxResponseBytes: 256 * 1024,
                allowPlainHTTP: endpoint.allowsPlainHTTP))
        let service = signer.service.uppercased()
        let document = AWSXMLElement.parse(response.body)
        guard (200..<300).contains(response.status) else {
            throw Self.failure(service: service, action: action, status: response.status, document: document)
        }
        guard let document, document.name == "\(action)Response" else {
            throw LessorError(
                .upstreamFailure,
                "\(service) \(action) at \(endpoint.url) answered \(response.status) without a \(action)Response XML document"
            )
        }
        return document.child("\(action)Result") ?? AWSXMLElement(name: "\(action)Result", text: "", children: [])
    }

    /// An AWS `ErrorResponse` (`Error/{Type,Code,Message}`, also inside moto's `Errors`) as a
    /// `LessorError`: the caller's fault (4xx, `Sender`) is `.engineFailure` (fix the engine's
    /// configuration or the upstream IAM setup); AWS's own (5xx, throttling) is `.upstreamFailure`.
    static func failure(service: String, action: String, status: Int, document: AWSXMLElement?) -> LessorError {
        guard let error = document?.firstDescendant(named: "Error"), let code = error.text(at: "Code") else {
            return LessorError(
                .upstreamFailure, "\(service) \(action) failed with HTTP \(status) and no AWS error document")
        }
        let message = (error.text(at: "Message") ?? "no message").prefix(512)
        let type = error.text(at: "Type") ?? (status >= 500 ? "Receiver" : "Sender")
        let retryable =
            status >= 500 || type == "Receiver" || code.hasPrefix("Throttl") || code == "RequestLimitExceeded"
            || code == "IDPCommunicationError"
        return LessorError(
            retryable ? .upstreamFailure : .engineFailure,
            "\(service) \(action) refused (HTTP \(status), \(code.prefix(64))): \(message)")
    }

    /// An ISO 8601 time as AWS writes it (`2026-11-24T15:19:18Z`, with or without fractional
    /// seconds, `Z` or an offset).
    static func parseTime(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// `2026-11-24T15:19:18Z`.
    static func formatTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

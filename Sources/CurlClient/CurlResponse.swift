/// The final answer to a `CurlRequest`, whatever its status.
public struct CurlResponse: Sendable {
    public let status: Int
    /// Names lowercased; for repeated names the last wins. Only the final response's headers.
    public let headers: [String: String]
    public let body: [UInt8]
    /// The URL finally answered (after same-host redirects).
    public let url: String

    /// Public so that tests of callers can build fakes.
    public init(status: Int, headers: [String: String], body: [UInt8], url: String) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
    }
}

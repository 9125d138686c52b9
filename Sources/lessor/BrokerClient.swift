import ArgumentParser
import CurlClient
import Foundation
import LessorConfig
import LessorCore

/// Where the CLI finds the broker and which token it presents.
struct BrokerClientOptions: ParsableArguments {
    @Option(help: "Broker URL (or LESSOR_ADDR).")
    var address: String = ProcessInfo.processInfo.environment["LESSOR_ADDR"] ?? "https://127.0.0.1:8200"

    @Option(help: "PEM file of the CA that signed the broker's certificate (or LESSOR_CACERT).")
    var cacert: String? = ProcessInfo.processInfo.environment["LESSOR_CACERT"]

    @Option(help: "File holding the token to present (or LESSOR_TOKEN_FILE).")
    var tokenFile: String? = ProcessInfo.processInfo.environment["LESSOR_TOKEN_FILE"]

    @Option(help: "PEM client certificate for mTLS, which admin bindings may require (or LESSOR_CLIENT_CERT).")
    var clientCert: String? = ProcessInfo.processInfo.environment["LESSOR_CLIENT_CERT"]

    @Option(help: "PEM private key of --client-cert (or LESSOR_CLIENT_KEY).")
    var clientKey: String? = ProcessInfo.processInfo.environment["LESSOR_CLIENT_KEY"]

    func validate() throws {
        if clientKey != nil, clientCert == nil {
            throw ValidationError(
                "--client-key (or LESSOR_CLIENT_KEY) needs --client-cert (or LESSOR_CLIENT_CERT): a key alone presents no certificate"
            )
        }
    }
}

/// The CLI's HTTP client for the broker's JSON API, over libcurl. A refusal becomes a
/// `CommandFailure` carrying the broker's code and message, never the token.
struct BrokerClient {
    let options: BrokerClientOptions

    func post(_ path: String, json: [String: JSONValue], headers: [(String, String)] = []) async throws -> JSONValue {
        try await send(path, method: .post, body: AuditCanonicalJSON.encode(.object(json)), headers: headers)
    }

    func get(_ path: String) async throws -> JSONValue {
        try await send(path, method: .get, body: nil, headers: [])
    }

    private func send(_ path: String, method: CurlRequest.Method, body: [UInt8]?, headers: [(String, String)])
        async throws -> JSONValue
    {
        guard let tokenFile = options.tokenFile else {
            throw ValidationError("give --token-file (or set LESSOR_TOKEN_FILE)")
        }
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw ValidationError("cannot read the token file \(tokenFile)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let base = options.address.hasSuffix("/") ? String(options.address.dropLast()) : options.address
        var allHeaders: [(name: String, value: String)] = [
            ("Authorization", "Bearer \(token)"), ("Content-Type", "application/json"), ("Accept", "application/json"),
        ]
        allHeaders += headers.map { (name: $0.0, value: $0.1) }
        let request = CurlRequest(
            url: base + path, method: method, headers: allHeaders, body: body, caBundlePath: options.cacert,
            clientCertificatePath: options.clientCert, clientKeyPath: options.clientKey, totalTimeout: .seconds(60),
            allowPlainHTTP: LoopbackAddress.contains(url: base))
        let response: CurlResponse
        do {
            response = try await CurlHTTPClient().send(request)
        } catch {
            throw CommandFailure("cannot reach the broker at \(base): \(error.message)")
        }
        let parsed = try? JSONParser.parse(response.body)
        guard (200..<300).contains(response.status), let parsed else {
            let detail = parsed?.objectValue?["error"]?.objectValue
            let code = detail?["code"]?.stringValue ?? "http_\(response.status)"
            let message = detail?["message"]?.stringValue ?? "unexpected answer from the broker"
            throw CommandFailure("\(code): \(message)")
        }
        return parsed
    }
}

public import CurlClient
public import LessorCore

/// Fetches an issuer's keys over HTTPS with libcurl: discovery (when configured), then the JWKS.
/// The discovery document's `issuer` must equal the configured issuer exactly.
public struct RemoteKeySetFetcher: KeySetFetcher {
    let configuration: IssuerConfiguration
    let http: CurlHTTPClient

    public init(configuration: IssuerConfiguration, http: CurlHTTPClient = CurlHTTPClient()) {
        self.configuration = configuration
        self.http = http
    }

    public func fetch() async throws(LessorError) -> FetchedKeySet {
        let jwksURI: String
        switch configuration.keySource {
        case .jwksURI(let uri): jwksURI = uri
        case .discovery: jwksURI = try await discoverJWKSURI()
        case .staticFile: throw LessorError(.configInvalid, "issuer \(configuration.issuer) uses a static JWKS file")
        }
        let response = try await get(jwksURI, what: "JWKS")
        return try FetchedKeySet.parse(
            response.body, maxAge: CacheControl.maxAge(response.headers["cache-control"]),
            source: "JWKS of \(configuration.issuer)")
    }

    private struct DiscoveryDocument: Decodable {
        let issuer: String
        let jwks_uri: String
    }

    private func discoverJWKSURI() async throws(LessorError) -> String {
        let base = configuration.issuer.hasSuffix("/") ? String(configuration.issuer.dropLast()) : configuration.issuer
        let response = try await get(base + "/.well-known/openid-configuration", what: "discovery document")
        let document: DiscoveryDocument
        do {
            document = try JSONDecoderBox.decode(DiscoveryDocument.self, from: response.body)
        } catch {
            throw LessorError(
                .issuerUnavailable,
                "discovery document of \(configuration.issuer) is not valid JSON with issuer and jwks_uri")
        }
        guard document.issuer == configuration.issuer else {
            throw LessorError(
                .issuerMismatch,
                "discovery document of \(configuration.issuer) names issuer '\(document.issuer.prefix(256))'; it must match the configured issuer exactly"
            )
        }
        do {
            try IssuerConfiguration.requireURL(
                document.jwks_uri, key: "jwks_uri", allowInsecureLoopback: configuration.allowInsecureLoopback)
        } catch {
            throw LessorError(.issuerUnavailable, "discovery document of \(configuration.issuer): \(error.message)")
        }
        return document.jwks_uri
    }

    private func get(_ url: String, what: String) async throws(LessorError) -> CurlResponse {
        let request = CurlRequest(
            url: url, headers: [(name: "Accept", value: "application/json")],
            caBundlePath: configuration.caBundlePath, connectTimeout: configuration.fetch.connectTimeout,
            totalTimeout: configuration.fetch.totalTimeout, maxResponseBytes: configuration.fetch.maxResponseBytes,
            allowPlainHTTP: configuration.allowInsecureLoopback, maxRedirects: 2)
        let response: CurlResponse
        do {
            response = try await http.send(request)
        } catch {
            throw LessorError(
                .issuerUnavailable, "\(what) of \(configuration.issuer) could not be fetched: \(error.message)")
        }
        guard response.status == 200 else {
            throw LessorError(
                .issuerUnavailable, "\(what) of \(configuration.issuer) answered HTTP \(response.status)")
        }
        return response
    }
}

public import Hummingbird
public import LessorCrypto

/// Serves the OIDC discovery document and JWKS of `lessor dev`'s built-in development issuer under
/// `/dev-issuer`, so the broker verifies development tokens through the same HTTPS path as real ones.
public struct DevelopmentIssuerController: Sendable {
    public static let pathPrefix = "/dev-issuer"
    let issuer: String
    let keys: JSONWebKeySet

    public init(issuer: String, keys: JSONWebKeySet) {
        self.issuer = issuer
        self.keys = keys
    }

    public func addRoutes(to router: Router<LessorRequestContext>) {
        let discovery = DiscoveryBody(
            issuer: issuer, jwksUri: issuer + "/openid/v1/jwks",
            idTokenSigningAlgValuesSupported: Array(Set(keys.keys.compactMap(\.alg))).sorted())
        router.get("dev-issuer/.well-known/openid-configuration") { _, _ in try JSONCoding.response(discovery) }
        router.get("dev-issuer/openid/v1/jwks") { [keys] _, _ in try JSONCoding.response(keys) }
    }

    struct DiscoveryBody: Encodable {
        let issuer: String
        let jwksUri: String
        let idTokenSigningAlgValuesSupported: [String]
    }
}

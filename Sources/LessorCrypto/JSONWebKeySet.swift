/// An RFC 7517 JWK Set, as an issuer's `jwks_uri` serves it.
public struct JSONWebKeySet: Sendable, Hashable, Codable {
    public var keys: [JSONWebKey]

    public init(keys: [JSONWebKey]) {
        self.keys = keys
    }
}

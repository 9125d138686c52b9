public import LessorCore

extension TokenEngine {
    /// `/.well-known/openid-configuration` for broker tokens issued as `issuer`.
    public static func openIDConfiguration(issuer: String) -> JSONValue {
        .object([
            "issuer": .string(issuer),
            "jwks_uri": .string(issuer + "/.well-known/jwks.json"),
            "id_token_signing_alg_values_supported": .array([.string("EdDSA")]),
            "introspection_endpoint": .string(issuer + "/v1/introspect"),
            "response_types_supported": .array([.string("id_token")]),
            "subject_types_supported": .array([.string("public")]),
        ])
    }

    /// `/.well-known/jwks.json`: every published key, current first.
    public func jwks() -> JSONValue {
        .object(["keys": .array(keyring.publishedKeys.map(\.jwk))])
    }
}

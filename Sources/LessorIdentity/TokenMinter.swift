public import Foundation
public import LessorCore
public import LessorCrypto

/// Signs JWTs shaped like Kubernetes projected service-account tokens. Used by the development
/// issuer of `lessor dev` and by the test issuer; the broker never trusts its own minter unless an
/// issuer configuration names it.
public enum TokenMinter {
    /// Claims of a projected service-account token for `namespace/serviceAccount`.
    public static func serviceAccountClaims(
        issuer: String, namespace: String, serviceAccount: String, audiences: [String], now: Date,
        lifetime: TimeInterval = 3600
    ) -> [String: JSONValue] {
        let issuedAt = now.timeIntervalSince1970.rounded(.down)
        let uid = { (name: String) in JSONValue.string(Base64URL.encode(Digest.sha256(Array(name.utf8)).prefix(12))) }
        return [
            "iss": .string(issuer),
            "sub": .string("system:serviceaccount:\(namespace):\(serviceAccount)"),
            "aud": .array(audiences.map(JSONValue.string)),
            "iat": .number(issuedAt),
            "nbf": .number(issuedAt),
            "exp": .number(issuedAt + lifetime),
            "kubernetes.io": .object([
                "namespace": .string(namespace),
                "serviceaccount": .object([
                    "name": .string(serviceAccount), "uid": uid("sa/\(namespace)/\(serviceAccount)"),
                ]),
                "pod": .object([
                    "name": .string("\(serviceAccount)-0"), "uid": uid("pod/\(namespace)/\(serviceAccount)"),
                ]),
                "node": .object(["name": .string("node-1"), "uid": uid("node/node-1")]),
            ]),
        ]
    }

    /// A compact JWS over the given header and claims (members in sorted order).
    public static func sign(
        header: [String: JSONValue], claims: [String: JSONValue], with key: SigningKey, algorithm: JWSAlgorithm
    ) throws(LessorError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let headerJSON: Data
        let claimsJSON: Data
        do {
            headerJSON = try encoder.encode(JSONValue.object(header))
            claimsJSON = try encoder.encode(JSONValue.object(claims))
        } catch {
            throw LessorError(.internalFailure, "token claims could not be encoded")
        }
        let signingInput = Base64URL.encode(headerJSON) + "." + Base64URL.encode(claimsJSON)
        let signature = try key.sign(Array(signingInput.utf8), algorithm: algorithm)
        return signingInput + "." + Base64URL.encode(signature)
    }
}

public import Foundation
public import LessorCore

/// Reads claims into the identity shape without verifying anything. For dry runs only —
/// `lessor policy explain` and `lessor policy test` — never on a request path.
public enum UnverifiedIdentity {
    public static func from(claims: [String: JSONValue], now: Date = Date()) throws(LessorError) -> VerifiedIdentity {
        guard case .string(let issuer) = claims["iss"] else {
            throw LessorError(.claimMissing, "the claims have no iss")
        }
        guard case .string(let subject) = claims["sub"] else {
            throw LessorError(.claimMissing, "the claims have no sub")
        }
        let audiences: [String]
        switch claims["aud"] {
        case .string(let audience): audiences = [audience]
        case .array(let items): audiences = items.compactMap(\.stringValue)
        default: audiences = []
        }
        let date = { (name: String) in claims[name]?.numberValue.map(Date.init(timeIntervalSince1970:)) }
        return VerifiedIdentity(
            issuer: issuer, subject: subject, audiences: audiences,
            expiresAt: date("exp") ?? now.addingTimeInterval(3600), issuedAt: date("iat") ?? now,
            notBefore: date("nbf"),
            tokenID: claims["jti"]?.stringValue, keyID: nil, algorithm: "none (not verified)",
            kubernetes: try ClaimsValidator.kubernetesIdentity(claims["kubernetes.io"], subject: subject),
            claims: claims)
    }
}

extension UnverifiedIdentity {
    /// The claims of a compact JWT, signature not checked.
    public static func from(token: String, now: Date = Date()) throws(LessorError) -> VerifiedIdentity {
        let parts = token.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(parts[1]) else {
            throw LessorError(.tokenMalformed, "not a compact JWT (three base64url parts)")
        }
        guard case .object(let claims) = try JSONParser.parse(payload) else {
            throw LessorError(.tokenMalformed, "the token payload is not a JSON object")
        }
        return try from(claims: claims, now: now)
    }
}

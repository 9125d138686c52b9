public import Foundation
public import LessorCore
import LessorCrypto

extension TokenEngine {
    /// Verifies a token this broker signed: EdDSA signature by a published key (by `kid`), then
    /// `iss`, `exp` and `nbf` (with `leeway`). Fails with `token_malformed`, `token_too_large`,
    /// `algorithm_not_allowed`, `issuer_unknown`, `key_unknown`, `signature_invalid`,
    /// `token_expired`, `token_not_yet_valid` or `claim_missing`.
    public func verify(_ token: String, now: Date) throws(LessorError) -> BrokerTokenClaims {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maxTokenBytes else {
            throw LessorError(
                .tokenTooLarge, "the token is \(bytes.count) bytes; at most \(Self.maxTokenBytes) are accepted")
        }
        let dots = bytes.indices.filter { bytes[$0] == UInt8(ascii: ".") }
        guard dots.count == 2 else {
            throw LessorError(.tokenMalformed, "a JWT has three base64url parts separated by '.'")
        }
        guard let headerBytes = Base64URL.decode(utf8: bytes[..<dots[0]]),
            case .object(let header) = try JSONParser.parse(headerBytes)
        else { throw LessorError(.tokenMalformed, "the token header is not a base64url JSON object") }
        guard let payloadBytes = Base64URL.decode(utf8: bytes[(dots[0] + 1)..<dots[1]]),
            case .object(let claims) = try JSONParser.parse(payloadBytes)
        else { throw LessorError(.tokenMalformed, "the token payload is not a base64url JSON object") }
        guard let signature = Base64URL.decode(utf8: bytes[(dots[1] + 1)...]), signature.count == 64 else {
            throw LessorError(.tokenMalformed, "the token signature is not 64 bytes of base64url")
        }
        guard header["alg"]?.stringValue == "EdDSA" else {
            throw LessorError(.algorithmNotAllowed, "broker tokens are signed with EdDSA only")
        }
        if header["crit"] != nil {
            throw LessorError(
                .unsupportedHeader, "the token header lists crit extensions, which Lessor does not process")
        }
        guard case .string(let tokenIssuer) = claims["iss"] else {
            throw LessorError(.claimMissing, "the token has no iss claim")
        }
        guard tokenIssuer == issuer else {
            throw LessorError(.issuerUnknown, "issuer '\(tokenIssuer.prefix(256))' is not this broker (\(issuer))")
        }
        guard case .string(let keyID) = header["kid"] else {
            throw LessorError(.tokenMalformed, "the token header has no kid")
        }
        guard let key = keyring.key(id: keyID) else {
            throw LessorError(.keyUnknown, "this broker publishes no key with kid '\(keyID.prefix(128))'")
        }
        guard key.publicKey.isValidSignature(signature, for: bytes[..<dots[1]]) else {
            throw LessorError(.signatureInvalid, "the token's signature does not verify")
        }
        let expiresAt = try date(claims, "exp")
        guard now.timeIntervalSince(expiresAt) < Self.leeway else {
            throw LessorError(.tokenExpired, "the token expired at \(expiresAt.formatted(.iso8601))")
        }
        let issuedAt = try date(claims, "iat")
        if case .some = claims["nbf"] {
            let notBefore = try date(claims, "nbf")
            guard notBefore.timeIntervalSince(now) <= Self.leeway else {
                throw LessorError(.tokenNotYetValid, "the token is not valid before \(notBefore.formatted(.iso8601))")
            }
        }
        return BrokerTokenClaims(
            jti: try string(claims, "jti"), tenant: try string(claims, "tenant"), subject: try string(claims, "sub"),
            audience: try string(claims, "aud"), issuer: tokenIssuer, issuedAt: issuedAt, expiresAt: expiresAt,
            keyID: keyID)
    }

    private func date(_ claims: [String: JSONValue], _ name: String) throws(LessorError) -> Date {
        guard let value = claims[name] else { throw LessorError(.claimMissing, "the token has no \(name) claim") }
        guard case .number(let seconds) = value else {
            throw LessorError(.tokenMalformed, "the token's \(name) claim is not a NumericDate")
        }
        return Date(timeIntervalSince1970: seconds)
    }

    private func string(_ claims: [String: JSONValue], _ name: String) throws(LessorError) -> String {
        guard let value = claims[name] else { throw LessorError(.claimMissing, "the token has no \(name) claim") }
        guard case .string(let text) = value, !text.isEmpty else {
            throw LessorError(.tokenMalformed, "the token's \(name) claim is not a non-empty string")
        }
        return text
    }
}

import Foundation
import LessorCore

/// The registered-claim rules every accepted token meets, as a pure function of the claims, the
/// issuer's configuration and the time.
enum ClaimsValidator {
    static func validate(
        claims: [String: JSONValue], configuration: IssuerConfiguration, now: Date, keyID: String?, algorithm: String
    ) throws(LessorError) -> VerifiedIdentity {
        let leeway = configuration.leeway.seconds
        guard let exp = try date(claims, "exp") else {
            throw LessorError(.claimMissing, "the token has no exp claim; Lessor accepts only tokens that expire")
        }
        guard now.timeIntervalSince(exp) <= leeway else {
            throw LessorError(.tokenExpired, "the token expired at \(iso(exp)); request a fresh token")
        }
        let nbf = try date(claims, "nbf")
        if let nbf, nbf.timeIntervalSince(now) > leeway {
            throw LessorError(.tokenNotYetValid, "the token is not valid before \(iso(nbf)); check the issuer's clock")
        }
        let iat = try date(claims, "iat")
        if let iat, iat.timeIntervalSince(now) > leeway {
            throw LessorError(
                .tokenNotYetValid, "the token was issued in the future (\(iso(iat))); check the issuer's clock")
        }
        let lifetime = exp.timeIntervalSince(iat ?? now)
        guard lifetime <= configuration.maxTokenAge.seconds else {
            throw LessorError(
                .tokenTooOld,
                "the token lives \(Int(lifetime)) s; issuer \(configuration.issuer) allows at most \(Int(configuration.maxTokenAge.seconds)) s"
            )
        }
        let audiences = try audienceList(claims["aud"])
        guard audiences.contains(where: configuration.audiences.contains) else {
            throw LessorError(
                .audienceMismatch,
                "the token's audience does not include \(configuration.audiences.map { "'\($0)'" }.joined(separator: " or ")); request a token for that audience"
            )
        }
        guard case .string(let subject) = claims["sub"], !subject.isEmpty else {
            throw LessorError(.claimMissing, "the token has no sub claim")
        }
        let tokenID: String?
        switch claims["jti"] {
        case nil: tokenID = nil
        case .string(let value): tokenID = value
        default: throw LessorError(.tokenMalformed, "the token's jti is not a string")
        }
        let kubernetes = try kubernetesIdentity(claims["kubernetes.io"], subject: subject)
        return VerifiedIdentity(
            issuer: configuration.issuer, subject: subject, audiences: audiences, expiresAt: exp, issuedAt: iat,
            notBefore: nbf, tokenID: tokenID, keyID: keyID, algorithm: algorithm, kubernetes: kubernetes,
            claims: claims)
    }

    private static func date(_ claims: [String: JSONValue], _ name: String) throws(LessorError) -> Date? {
        switch claims[name] {
        case nil: return nil
        case .number(let seconds): return Date(timeIntervalSince1970: seconds)
        default: throw LessorError(.tokenMalformed, "the token's \(name) claim is not a NumericDate")
        }
    }

    private static func audienceList(_ value: JSONValue?) throws(LessorError) -> [String] {
        switch value {
        case .string(let audience):
            return [audience]
        case .array(let items):
            var audiences: [String] = []
            for item in items {
                guard case .string(let audience) = item else {
                    throw LessorError(.tokenMalformed, "the token's aud array holds a non-string")
                }
                audiences.append(audience)
            }
            return audiences
        case nil:
            throw LessorError(.audienceMismatch, "the token has no aud claim")
        default:
            throw LessorError(.tokenMalformed, "the token's aud is neither a string nor an array")
        }
    }

    static func kubernetesIdentity(_ value: JSONValue?, subject: String) throws(LessorError)
        -> KubernetesIdentity?
    {
        guard let value else { return nil }
        guard case .object(let claim) = value, case .string(let namespace) = claim["namespace"],
            let serviceAccount = reference(claim["serviceaccount"])
        else {
            throw LessorError(.tokenMalformed, "the kubernetes.io claim lacks namespace or serviceaccount.name")
        }
        let identity = KubernetesIdentity(
            namespace: namespace, serviceAccount: serviceAccount, pod: reference(claim["pod"]),
            secret: reference(claim["secret"]), node: reference(claim["node"]))
        guard identity.subject == subject else {
            throw LessorError(.tokenMalformed, "the kubernetes.io claim disagrees with sub")
        }
        return identity
    }

    private static func reference(_ value: JSONValue?) -> KubernetesIdentity.ObjectReference? {
        guard case .string(let name) = value?["name"] else { return nil }
        return KubernetesIdentity.ObjectReference(name: name, uid: value?["uid"]?.stringValue)
    }

    private static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}

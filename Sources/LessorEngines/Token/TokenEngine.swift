public import Foundation
public import LessorCore
import LessorCrypto

/// The `token` engine: broker-signed EdDSA JWTs for `token/audiences/<aud>`. A token names the
/// lease (`jti`) and lives exactly as long as it (`exp`); revoking means revoking the lease, which
/// introspection reads, so the engine keeps no revocation handle. Renewal re-signs the token with
/// the lease's new expiry. A delegated token carries `act` (RFC 8693 §4.1) naming the actor; the
/// broker makes delegated leases non-renewable, since the lease does not keep the actor.
public struct TokenEngine: CredentialEngine {
    public let name = "token"
    public let supportsRenewal = true
    /// The broker's issuer URL: every token's `iss`, and the base of the discovery documents.
    public let issuer: String
    public let keyring: TokenSigningKeyring
    /// The longest a token may live from when it is signed; rotation keeps an old key published
    /// this long. It must be at least the longest lease TTL any tenant class allows.
    public let maxTokenLifetime: Duration
    private let clock: WallClock

    /// Tokens longer than this are refused by `verify` before parsing.
    public static let maxTokenBytes = 16 * 1024
    /// Clock skew tolerated by `verify` on `exp` and `nbf`.
    public static let leeway: TimeInterval = 5

    /// `issuer` must be an absolute `https` (or loopback `http`) URL without a trailing slash,
    /// query or fragment.
    public init(
        issuer: String, keyring: TokenSigningKeyring, maxTokenLifetime: Duration, clock: WallClock = .system
    ) throws(LessorError) {
        try Self.validateIssuer(issuer)
        guard maxTokenLifetime > .zero else {
            throw LessorError(.configInvalid, "token engine: the maximum token lifetime must be positive")
        }
        self.issuer = issuer
        self.keyring = keyring
        self.maxTokenLifetime = maxTokenLifetime
        self.clock = clock
    }

    public func issue(_ request: CredentialRequest) async throws(LessorError) -> IssuedCredential {
        guard request.enginePath.count == 2, request.enginePath[0] == "audiences", !request.enginePath[1].isEmpty
        else {
            let given = (["token"] + request.enginePath).joined(separator: "/")
            throw LessorError(
                .requestInvalid, "the token engine serves token/audiences/<audience> only, not '\(given.prefix(256))'")
        }
        let audience = request.enginePath[1]
        var claims = baseClaims(lease: request.lease, subject: request.identity.subject, audience: audience)
        if let kubernetes = request.identity.kubernetes {
            claims["lessor"] = Self.kubernetesClaim(
                namespace: kubernetes.namespace, serviceAccount: kubernetes.serviceAccount.name)
        }
        if let actor = request.actor {
            // RFC 8693 §4.1: the current actor, by its issuer and subject.
            claims["act"] = .object(["sub": .string(actor.subject), "iss": .string(actor.issuer)])
        }
        return IssuedCredential(data: try signedData(claims, lease: request.lease), revocationHandle: nil)
    }

    /// Re-signs the token with the same `jti` and the lease's new `exp`. The lease keeps only the
    /// subject, so the `lessor` claim is rebuilt from a Kubernetes service-account subject.
    public func renew(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) -> [String: JSONValue]? {
        let segments = lease.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard segments.count == 3, segments[0] == name, segments[1] == "audiences", !segments[2].isEmpty else {
            throw LessorError(.engineFailure, "lease \(lease.id) is not a token/audiences/<audience> lease")
        }
        var claims = baseClaims(lease: lease, subject: lease.subject, audience: segments[2])
        if let (namespace, serviceAccount) = Self.serviceAccount(fromSubject: lease.subject) {
            claims["lessor"] = Self.kubernetesClaim(namespace: namespace, serviceAccount: serviceAccount)
        }
        return try signedData(claims, lease: lease)
    }

    /// Nothing to do upstream: the lease state is the token's revocation.
    public func revoke(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) {}

    /// Tokens live at most `maxTokenLifetime` (its keys stay published that long after rotation).
    public func maximumTTL(enginePath: [String]) -> Duration? { maxTokenLifetime }

    private func baseClaims(lease: Lease, subject: String, audience: String) -> [String: JSONValue] {
        let issuedAt = JSONValue.number(lease.issuedAt.timeIntervalSince1970.rounded(.down))
        return [
            "iss": .string(issuer), "sub": .string(subject), "aud": .string(audience),
            "tenant": .string(lease.tenantID), "jti": .string(lease.id), "iat": issuedAt, "nbf": issuedAt,
            "exp": .number(lease.expiresAt.timeIntervalSince1970.rounded(.down)),
        ]
    }

    /// Signs the claims after checking the token's remaining life fits `maxTokenLifetime`, the
    /// bound that key rotation relies on.
    private func signedData(_ claims: [String: JSONValue], lease: Lease) throws(LessorError) -> [String: JSONValue] {
        let remaining = lease.expiresAt.timeIntervalSince(clock.now)
        guard remaining <= maxTokenLifetime.timeInterval else {
            throw LessorError(
                .engineFailure,
                "the lease runs \(Int(remaining)) s but the token engine signs tokens for at most \(Int(maxTokenLifetime.timeInterval)) s; raise its max token lifetime to the longest class TTL"
            )
        }
        return [
            "token": .string(sign(claims)), "token_type": .string("Bearer"),
            "audience": claims["aud"] ?? .null,
        ]
    }

    /// A compact JWS: the header and claims in canonical JSON, signed by the current key.
    func sign(_ claims: [String: JSONValue]) -> String {
        let key = keyring.signingKey
        let header: JSONValue = .object([
            "alg": .string("EdDSA"), "typ": .string("JWT"), "kid": .string(key.published.keyID),
        ])
        let input =
            Base64URL.encode(AuditCanonicalJSON.encode(header)) + "."
            + Base64URL.encode(AuditCanonicalJSON.encode(.object(claims)))
        return input + "." + Base64URL.encode(key.keyPair.sign(Array(input.utf8)))
    }

    static func kubernetesClaim(namespace: String, serviceAccount: String) -> JSONValue {
        .object(["namespace": .string(namespace), "service_account": .string(serviceAccount)])
    }

    /// `system:serviceaccount:<namespace>:<name>` split into its parts.
    static func serviceAccount(fromSubject subject: String) -> (namespace: String, name: String)? {
        let parts = subject.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "system", parts[1] == "serviceaccount", !parts[2].isEmpty,
            !parts[3].isEmpty
        else { return nil }
        return (String(parts[2]), String(parts[3]))
    }

    private static func validateIssuer(_ issuer: String) throws(LessorError) {
        guard let url = URLComponents(string: issuer), let scheme = url.scheme, let host = url.host, !host.isEmpty,
            url.query == nil, url.fragment == nil, url.user == nil, !issuer.hasSuffix("/")
        else {
            throw LessorError(
                .configInvalid,
                "token engine: issuer '\(issuer.prefix(256))' must be an absolute URL without query, fragment or trailing '/'"
            )
        }
        let loopback = host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]"
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw LessorError(
                .configInvalid,
                "token engine: issuer '\(issuer.prefix(256))' must use https (http only for a loopback host)")
        }
    }
}

import Foundation
import LessorCore
import LessorEngines
import LessorTestSupport

/// A token engine over a keyring in a fresh temporary directory, with a hand-moved clock.
struct TokenFixture {
    static let issuer = "https://lessor.test"
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    let directory: String
    let clock: TestClock
    let keyring: TokenSigningKeyring
    let engine: TokenEngine

    init(maxTokenLifetime: Duration = .seconds(3600)) throws {
        directory = try Self.temporaryDirectory()
        clock = TestClock(Self.start)
        keyring = try TokenSigningKeyring(directory: directory + "/token-keys", now: Self.start)
        engine = try TokenEngine(
            issuer: Self.issuer, keyring: keyring, maxTokenLifetime: maxTokenLifetime, clock: clock.wallClock)
    }

    var keyDirectory: String { directory + "/token-keys" }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lessor-engines-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func lease(
        id: String = "lease-0001", tenant: String = "acme", audience: String = "billing", issuedAt: Date = start,
        ttl: TimeInterval = 900, subject: String = "system:serviceaccount:acme-prod:deployer"
    ) -> Lease {
        Lease(
            id: id, tenantID: tenant, issuer: "https://kubernetes.test", subject: subject, binding: "acme-workloads",
            path: "token/audiences/\(audience)", engine: "token", issuedAt: issuedAt,
            expiresAt: issuedAt.addingTimeInterval(ttl), maxExpiresAt: issuedAt.addingTimeInterval(4 * ttl),
            renewable: true, state: .pending, policyDigest: "digest", requestID: "request-1")
    }

    static func identity(subject: String = "system:serviceaccount:acme-prod:deployer", kubernetes: Bool = true)
        -> VerifiedIdentity
    {
        let parts = subject.split(separator: ":").map(String.init)
        let pod = KubernetesIdentity(
            namespace: parts.count == 4 ? parts[2] : "",
            serviceAccount: .init(name: parts.count == 4 ? parts[3] : "", uid: "sa-uid"),
            pod: .init(name: "pod-0", uid: "pod-uid"))
        return VerifiedIdentity(
            issuer: "https://kubernetes.test", subject: subject, audiences: ["lessor"],
            expiresAt: start.addingTimeInterval(3600), issuedAt: start, notBefore: start, tokenID: nil, keyID: "k8s",
            algorithm: "RS256", kubernetes: kubernetes ? pod : nil,
            claims: ["sub": .string(subject), "original": .string("the workload's own token claims")])
    }

    func issue(_ lease: Lease, enginePath: [String]? = nil, identity: VerifiedIdentity = identity()) async throws
        -> String
    {
        let path = enginePath ?? Array(lease.path.split(separator: "/").dropFirst().map(String.init))
        let credential = try await engine.issue(
            CredentialRequest(lease: lease, enginePath: path, identity: identity))
        guard case .string(let token) = credential.data["token"] else {
            throw LessorError(.internalFailure, "the credential has no token")
        }
        return token
    }

    /// The decoded header and claims of a compact JWS, without checking anything.
    static func decode(_ token: String) throws -> (header: [String: JSONValue], claims: [String: JSONValue]) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Base64URL.decode(parts[0]), let claims = Base64URL.decode(parts[1]),
            case .object(let headerObject) = try JSONParser.parse(header),
            case .object(let claimsObject) = try JSONParser.parse(claims)
        else { throw LessorError(.tokenMalformed, "not a compact JWS") }
        return (headerObject, claimsObject)
    }

    /// Signs `header` and `claims` as a compact JWS with `signer`, the way a forger would.
    static func forge(header: [String: JSONValue], claims: [String: JSONValue], signer: ([UInt8]) -> [UInt8])
        -> String
    {
        let input =
            Base64URL.encode(AuditCanonicalJSON.encode(.object(header))) + "."
            + Base64URL.encode(AuditCanonicalJSON.encode(.object(claims)))
        return input + "." + Base64URL.encode(signer(Array(input.utf8)))
    }
}

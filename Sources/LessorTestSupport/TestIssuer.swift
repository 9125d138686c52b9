public import Foundation
import Hummingbird
public import LessorCore
public import LessorCrypto
public import LessorIdentity
import NIOCore
public import NIOSSL
import Synchronization

/// An OIDC issuer the test suite serves itself over loopback: discovery and JWKS with RSA, EC and
/// Ed25519 keys, key rotation, failure modes, and a count of every hit.
public final class TestIssuer: Sendable {
    public enum Mode: Sendable {
        case serving
        /// Every endpoint answers this HTTP status.
        case failing(status: Int)
        /// Every endpoint holds the request this long before answering.
        case hanging(Duration)
    }

    public struct Key: Sendable {
        public let id: String
        public let algorithm: JWSAlgorithm
        public let signingKey: SigningKey
    }

    struct State {
        var published: [Key] = []
        var mode: Mode = .serving
        var discoveryIssuer: String?
        var cacheControl: String?
        var hits: [String: Int] = [:]
        var jwkOverrides: [String: JSONWebKey] = [:]
    }

    private let state = Mutex(State())
    private let server: Mutex<LoopbackServer?> = Mutex(nil)
    private let clock: TestClock?

    public private(set) var url: String {
        get { urlStorage.withLock { $0 } }
        set { urlStorage.withLock { $0 = newValue } }
    }
    private let urlStorage = Mutex("")

    public static let jwksPath = "/openid/v1/jwks"
    public static let discoveryPath = "/.well-known/openid-configuration"

    /// Starts serving with one key per given algorithm. `clock` sets the times `mint` writes.
    public static func start(
        algorithms: [JWSAlgorithm] = [.rs256, .es256, .edDSA], tls: TLSConfiguration? = nil, clock: TestClock? = nil
    ) async throws -> TestIssuer {
        let issuer = TestIssuer(clock: clock)
        for algorithm in algorithms { _ = try issuer.addKey(algorithm) }
        let router = Router()
        router.get(RouterPath(stringLiteral: discoveryPath)) { _, _ in try await issuer.answer(path: discoveryPath) }
        router.get(RouterPath(stringLiteral: jwksPath)) { _, _ in try await issuer.answer(path: jwksPath) }
        let server = try await LoopbackServer.start(responder: router.buildResponder(), tls: tls)
        issuer.server.withLock { $0 = server }
        issuer.url = server.baseURL
        return issuer
    }

    private init(clock: TestClock?) {
        self.clock = clock
    }

    public func stop() async {
        let server = self.server.withLock { $0 }
        await server?.stop()
    }

    // MARK: Keys

    /// Generates and publishes a new key; returns its `kid`.
    @discardableResult
    public func addKey(_ algorithm: JWSAlgorithm, rsaBits: Int = 2048, publish: Bool = true) throws -> Key {
        let signingKey: SigningKey
        switch algorithm {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: signingKey = try SigningKey.generateRSA(bits: rsaBits)
        case .es256: signingKey = try SigningKey.generateEC(.p256)
        case .es384: signingKey = try SigningKey.generateEC(.p384)
        case .edDSA: signingKey = try SigningKey.generateEd25519()
        }
        let key = Key(
            id: "\(algorithm.rawValue.lowercased())-\(SecureRandom.identifier(byteCount: 6))", algorithm: algorithm,
            signingKey: signingKey)
        if publish { state.withLock { $0.published.append(key) } }
        return key
    }

    public func removeKey(id: String) {
        state.withLock { $0.published.removeAll { $0.id == id } }
    }

    public var keys: [Key] { state.withLock { $0.published } }

    public func key(_ algorithm: JWSAlgorithm) -> Key {
        keys.first { $0.algorithm == algorithm }!
    }

    /// Published JWKS entries; `override` rewrites the entry of one key (e.g. a disagreeing `alg`).
    public func jwks() -> JSONWebKeySet {
        let (published, overrides) = state.withLock { ($0.published, $0.jwkOverrides) }
        return JSONWebKeySet(
            keys: published.map { overrides[$0.id] ?? $0.signingKey.publicJWK(keyID: $0.id, algorithm: $0.algorithm) })
    }

    public func overrideJWK(id: String, with jwk: JSONWebKey) {
        state.withLock { $0.jwkOverrides[id] = jwk }
    }

    // MARK: Behaviour

    public func setMode(_ mode: Mode) { state.withLock { $0.mode = mode } }
    /// Makes discovery name a different issuer than the one configured.
    public func setDiscoveryIssuer(_ issuer: String?) { state.withLock { $0.discoveryIssuer = issuer } }
    public func setCacheControl(_ value: String?) { state.withLock { $0.cacheControl = value } }
    public func hits(_ path: String = jwksPath) -> Int { state.withLock { $0.hits[path, default: 0] } }

    private func answer(path: String) async throws -> Response {
        let (mode, cacheControl, discoveryIssuer) = state.withLock { state in
            state.hits[path, default: 0] += 1
            return (state.mode, state.cacheControl, state.discoveryIssuer)
        }
        switch mode {
        case .serving:
            break
        case .failing(let status):
            return Response(status: .init(code: status))
        case .hanging(let duration):
            try await Task.sleep(for: duration)
        }
        let body: [UInt8]
        if path == Self.discoveryPath {
            let document: JSONValue = .object([
                "issuer": .string(discoveryIssuer ?? url),
                "jwks_uri": .string(url + Self.jwksPath),
                "response_types_supported": .array([.string("id_token")]),
                "subject_types_supported": .array([.string("public")]),
                "id_token_signing_alg_values_supported": .array(keys.map { .string($0.algorithm.rawValue) }),
            ])
            body = Array(try JSONEncoder().encode(document))
        } else {
            body = Array(try JSONEncoder().encode(jwks()))
        }
        var headers: HTTPFields = [.contentType: "application/json"]
        if let cacheControl { headers[.cacheControl] = cacheControl }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: Tokens

    /// Claims of a Kubernetes projected service-account token for `namespace/serviceAccount`.
    public func claims(
        namespace: String = "tenant-acme", serviceAccount: String = "app", audience: [String] = ["lessor"],
        lifetime: TimeInterval = 3600
    ) -> [String: JSONValue] {
        TokenMinter.serviceAccountClaims(
            issuer: url, namespace: namespace, serviceAccount: serviceAccount, audiences: audience,
            now: clock?.now ?? Date(), lifetime: lifetime)
    }

    /// A signed token. `changes` overrides claims (`.null` removes one); `header` overrides header
    /// members the same way.
    public func mint(
        _ changes: [String: JSONValue] = [:], key: Key? = nil, algorithm: JWSAlgorithm? = nil,
        header: [String: JSONValue] = [:]
    ) throws -> String {
        let key = key ?? self.key(.rs256)
        var claims = self.claims()
        for (name, value) in changes { claims[name] = value == .null ? nil : value }
        var fullHeader: [String: JSONValue] = [
            "alg": .string((algorithm ?? key.algorithm).rawValue), "kid": .string(key.id),
        ]
        for (name, value) in header { fullHeader[name] = value == .null ? nil : value }
        return try Self.sign(
            header: fullHeader, claims: claims, with: key.signingKey, algorithm: algorithm ?? key.algorithm)
    }

    public static func sign(
        header: [String: JSONValue], claims: [String: JSONValue], with key: SigningKey, algorithm: JWSAlgorithm
    ) throws -> String {
        try TokenMinter.sign(header: header, claims: claims, with: key, algorithm: algorithm)
    }
}

extension TestIssuer {
    /// Runs `body` with an issuer that is stopped afterwards, whether `body` throws or not.
    public static func with<T>(
        algorithms: [JWSAlgorithm] = [.rs256, .es256, .edDSA], tls: TLSConfiguration? = nil, clock: TestClock? = nil,
        _ body: (TestIssuer) async throws -> T
    ) async throws -> T {
        let issuer = try await start(algorithms: algorithms, tls: tls, clock: clock)
        return try await withCleanup {
            try await body(issuer)
        } cleanup: {
            await issuer.stop()
        }
    }

    /// A configuration that trusts this issuer over plain loopback HTTP with every algorithm. The
    /// timeouts are generous: a loaded two-core CI runner is not an outage.
    public func configuration(audiences: [String] = ["lessor"]) -> IssuerConfiguration {
        IssuerConfiguration(
            issuer: url, audiences: audiences, allowedAlgorithms: Set(JWSAlgorithm.allCases),
            allowInsecureLoopback: url.hasPrefix("http:"),
            fetch: .init(connectTimeout: .seconds(5), totalTimeout: .seconds(15)))
    }
}

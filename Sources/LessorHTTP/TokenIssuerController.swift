import Foundation
public import Hummingbird
public import LessorBroker
import LessorCore
public import LessorEngines
public import LessorIdentity
import Logging

/// What downstream services need to trust broker-signed tokens:
/// `GET /.well-known/openid-configuration`, `GET /.well-known/jwks.json`, and RFC 7662
/// introspection at `POST /v1/introspect` (form field `token`; the caller authenticates with its
/// own bearer token and learns only about its own tenant's tokens).
public struct TokenIssuerController: Sendable {
    let engine: TokenEngine
    let authenticator: Authenticator
    let broker: Broker

    public init(engine: TokenEngine, verifier: TokenVerifier, broker: Broker) {
        self.engine = engine
        self.authenticator = Authenticator(verifier: verifier, broker: broker)
        self.broker = broker
    }

    public func addRoutes(to router: Router<LessorRequestContext>) {
        router.get(".well-known/openid-configuration") { _, _ in
            Self.json(TokenEngine.openIDConfiguration(issuer: engine.issuer), cache: Self.publicDocument)
        }
        router.get(".well-known/jwks.json") { _, _ in Self.json(engine.jwks(), cache: Self.publicDocument) }
        router.post("v1/introspect", use: introspect)
    }

    @Sendable func introspect(request: Request, context: LessorRequestContext) async throws -> Response {
        let caller = try await authenticator.caller(request, context: context)
        let token = try await answer(context) { () throws(LessorError) -> String in
            let fields = try await authenticator.form(of: request, caller: caller)
            guard let token = fields["token"], !token.isEmpty else {
                try await broker.refuseRequest(
                    LessorError(.requestInvalid, "send the token to introspect as the form field 'token'"),
                    caller: caller, path: request.uri.path)
            }
            return token
        }
        let inactive = Self.json(.object(["active": .bool(false)]))
        guard let claims = try? engine.verify(token, now: broker.clock.now) else { return inactive }
        let lease: Lease?
        do {
            lease = try await broker.introspect(caller, tokenTenant: claims.tenant, leaseID: claims.jti)
        } catch {
            throw APIError(error, requestID: context.requestID)
        }
        guard let lease else { return inactive }
        return Self.json(
            .object([
                "active": .bool(true), "iss": .string(claims.issuer), "sub": .string(claims.subject),
                "aud": .string(claims.audience), "tenant": .string(claims.tenant), "jti": .string(claims.jti),
                "iat": .number(claims.issuedAt.timeIntervalSince1970.rounded(.down)),
                "exp": .number(min(claims.expiresAt, lease.expiresAt).timeIntervalSince1970.rounded(.down)),
                "token_type": .string("Bearer"),
            ]))
    }

    /// Short enough that a rotated key reaches verifiers well before the old one is retired.
    static let publicDocument = "public, max-age=300"

    static func json(_ value: JSONValue, cache: String = "no-store") -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json", .cacheControl: cache],
            body: .init(byteBuffer: ByteBuffer(bytes: AuditCanonicalJSON.encode(value))))
    }
}

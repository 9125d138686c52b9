import Foundation
public import Hummingbird
public import LessorBroker
import LessorCore
public import LessorIdentity
import Logging

/// RFC 8693 token exchange at `POST /v1/token` (form-encoded): a `subject_token` (and, for a
/// pooled workload acting for a tenant, an `actor_token`) for a broker-signed JWT for one
/// `audience`, served by the `token` engine at `token/audiences/<audience>`.
///
/// The subject token authenticates the request; no `Authorization` header is read. `audience` is
/// required; `resource` and `scope` are accepted only when empty or equal to `audience`, otherwise
/// `invalid_target`. Answers follow RFC 8693 §2.2.1 (plus `lease_id` and `request_id`); errors
/// follow RFC 6749 §5.2 with RFC 8693 §2.2.2: a subject or actor token that fails verification, and
/// a malformed request, are `invalid_request`; a subject bound to no tenant or an actor its binding refuses
/// `unauthorized_client`, an audience the tenant may not have `invalid_target` (the same whether
/// the audience belongs to another tenant or to none), a tenant over its quota 429
/// `temporarily_unavailable` with `Retry-After`, and a broker that cannot record the decision 503
/// `temporarily_unavailable`. Every refusal is recorded as a deny.
public struct TokenExchangeController: Sendable {
    let verifier: TokenVerifier
    let broker: Broker

    public init(verifier: TokenVerifier, broker: Broker) {
        self.verifier = verifier
        self.broker = broker
    }

    public func addRoutes(to router: Router<LessorRequestContext>) {
        router.post("v1/token", use: exchange)
    }

    static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let jwtType = "urn:ietf:params:oauth:token-type:jwt"
    static let idTokenType = "urn:ietf:params:oauth:token-type:id_token"
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    /// Token types accepted as `subject_token_type` and `actor_token_type`.
    static let inputTypes: Set<String> = [jwtType, idTokenType]
    /// Token types accepted as `requested_token_type`; the answer is always a JWT.
    static let outputTypes: Set<String> = [jwtType, accessTokenType]

    /// An RFC 6749 §5.2 error: the status, the `error` code and what to fix.
    struct Refusal: Error {
        let status: HTTPResponse.Status
        let code: String
        let description: String
        /// Sent as `Retry-After` (whole seconds) when set.
        var retryAfterSeconds: Int?

        init(_ code: String, _ error: LessorError, status: HTTPResponse.Status = .badRequest) {
            switch error.code {
            case .quotaExceeded:
                self.status = .tooManyRequests
                self.code = "temporarily_unavailable"
                description = error.message
                retryAfterSeconds = error.retryAfterSeconds
            case .requestTooLarge:
                self.status = .contentTooLarge
                self.code = "invalid_request"
                description = error.message
            case .requestTimeout:
                self.status = .requestTimeout
                self.code = "invalid_request"
                description = error.message
            case .auditUnavailable, .storeUnavailable, .issuerUnavailable, .upstreamFailure, .engineTimeout:
                self.status = .serviceUnavailable
                self.code = "temporarily_unavailable"
                description = "the broker cannot decide or record this exchange now; retry later"
            case .internalFailure, .cryptoFailure, .engineFailure, .keyInvalid, .auditInvalid, .configInvalid,
                .responseTooLarge:
                self.status = .internalServerError
                self.code = "server_error"
                description = "the broker failed to issue the token; the request id identifies the failure"
            case .tokenMalformed, .tokenTooLarge, .tokenExpired, .tokenNotYetValid, .tokenTooOld, .claimMissing,
                .audienceMismatch, .issuerUnknown, .issuerMismatch, .keyUnknown, .algorithmNotAllowed,
                .signatureInvalid, .unsupportedHeader, .requestInvalid, .unauthenticated, .permissionDenied,
                .tenantInactive, .leaseNotFound, .leaseNotRenewable, .policyDocumentInvalid:
                self.status = status
                self.code = code
                description = error.message
            }
        }
    }

    @Sendable func exchange(request: Request, context: LessorRequestContext) async throws -> Response {
        do {
            let result = try await exchanged(request, context: context)
            context.logger.info(
                "token exchanged",
                metadata: [
                    "request_id": "\(context.requestID)", "tenant_id": "\(result.lease.tenantID)",
                    "path": "\(result.lease.path)", "ttl": "\(result.leaseDuration)",
                ])
            return Self.response(
                .ok,
                [
                    "access_token": result.data["token"] ?? .null, "issued_token_type": .string(Self.jwtType),
                    "token_type": .string("Bearer"), "expires_in": .number(Double(result.leaseDuration)),
                    "lease_id": .string(result.lease.id), "request_id": .string(context.requestID),
                ])
        } catch {
            context.logger.info(
                "token exchange refused",
                metadata: [
                    "request_id": "\(context.requestID)", "error": "\(error.code)", "status": "\(error.status.code)",
                ])
            var response = Self.response(
                error.status,
                [
                    "error": .string(error.code), "error_description": .string(error.description),
                    "request_id": .string(context.requestID),
                ])
            if let seconds = error.retryAfterSeconds {
                response.headers[.retryAfter] = String(seconds)
            }
            return response
        }
    }

    /// Reads, checks and authenticates the request, then asks the broker; each refusal is recorded
    /// before it is answered.
    private func exchanged(_ request: Request, context: LessorRequestContext) async throws(Refusal)
        -> ExchangeResult
    {
        let path = request.uri.path
        func unauthenticated(_ code: String, _ error: LessorError) async throws(Refusal) -> Never {
            do {
                try await broker.refuseUnauthenticated(error, requestID: context.requestID, path: path)
            } catch let recorded {
                throw Refusal(code, recorded)
            }
        }
        let fields: [String: String]
        do {
            fields = try await RequestBody.form(from: request)
        } catch {
            try await unauthenticated("invalid_request", error)
        }
        switch fields["grant_type"] {
        case Self.grantType?:
            break
        case nil, ""?:
            try await unauthenticated(
                "invalid_request", LessorError(.requestInvalid, "grant_type is required: use \(Self.grantType)"))
        case .some:
            try await unauthenticated(
                "unsupported_grant_type", LessorError(.requestInvalid, "this endpoint serves \(Self.grantType) only"))
        }
        guard let subjectToken = fields["subject_token"], !subjectToken.isEmpty else {
            try await unauthenticated(
                "invalid_request", LessorError(.requestInvalid, "subject_token is required"))
        }
        guard fields["subject_token_type"].map(Self.inputTypes.contains) == true else {
            try await unauthenticated(
                "invalid_request",
                LessorError(
                    .requestInvalid, "subject_token_type must be \(Self.jwtType) or \(Self.idTokenType)"))
        }
        let subject: Caller
        do {
            subject = Caller(identity: try await verifier.verify(subjectToken), requestID: context.requestID)
        } catch {
            try await unauthenticated("invalid_request", error)
        }

        func refuse(_ code: String, _ error: LessorError) async throws(Refusal) -> Never {
            do {
                try await broker.refuseRequest(error, caller: subject, path: path)
            } catch let recorded {
                throw Refusal(code, recorded)
            }
        }
        let actorToken = fields["actor_token"].flatMap { $0.isEmpty ? nil : $0 }
        let actorType = fields["actor_token_type"].flatMap { $0.isEmpty ? nil : $0 }
        switch (actorToken, actorType) {
        case (nil, nil):
            break
        case (.some, let type?) where Self.inputTypes.contains(type):
            break
        case (.some, _):
            try await refuse(
                "invalid_request",
                LessorError(
                    .requestInvalid, "actor_token_type must be \(Self.jwtType) or \(Self.idTokenType) with actor_token"
                ))
        case (nil, .some):
            try await refuse(
                "invalid_request", LessorError(.requestInvalid, "actor_token_type is only allowed with actor_token"))
        }
        if let requested = fields["requested_token_type"], !requested.isEmpty, !Self.outputTypes.contains(requested) {
            try await refuse(
                "invalid_request",
                LessorError(
                    .requestInvalid,
                    "requested_token_type must be \(Self.jwtType) or \(Self.accessTokenType): Lessor issues JWTs"))
        }
        guard let audience = fields["audience"], !audience.isEmpty else {
            try await refuse(
                "invalid_request",
                LessorError(.requestInvalid, "audience is required: the token is issued for token/audiences/<audience>")
            )
        }
        for name in ["resource", "scope"] {
            if let value = fields[name], !value.isEmpty, value != audience {
                try await refuse(
                    "invalid_target",
                    LessorError(
                        .requestInvalid,
                        "\(name) must be empty or equal to audience; Lessor derives nothing else from it"))
            }
        }

        var actor: VerifiedIdentity?
        if let actorToken {
            do {
                actor = try await verifier.verify(actorToken)
            } catch {
                try await refuse("invalid_request", error)
            }
        }
        do {
            return try await broker.exchangeToken(subject: subject, actor: actor, audience: audience)
        } catch {
            switch (error.stage, error.error.code) {
            case (_, .tenantInactive), (.parties, _):
                throw Refusal("unauthorized_client", error.error)
            case (.target, _):
                throw Refusal("invalid_target", error.error)
            }
        }
    }

    static func response(_ status: HTTPResponse.Status, _ body: [String: JSONValue]) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: "application/json; charset=utf-8", .cacheControl: "no-store",
                .init("Pragma")!: "no-cache",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: AuditCanonicalJSON.encode(.object(body)))))
    }
}

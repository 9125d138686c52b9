import Foundation
public import Hummingbird
public import LessorBroker
import LessorCore
import LessorCrypto
import LessorEngines
public import LessorIdentity
import Logging

/// The AWS STS wire protocol (Query API, `Version=2011-06-15`, form POST) at `/`, `/sts` and
/// `/sts/`, so AWS SDKs, the aws CLI and Terraform use Lessor as their STS endpoint unchanged:
///
/// - `AssumeRoleWithWebIdentity`: the `WebIdentityToken` authenticates the call (no signature);
///   `RoleArn` must be one of the token's tenant's roles; the answer is AWS's XML with the
///   credentials of a new lease. `DurationSeconds` is cut to policy and class; without it the
///   class default applies.
/// - `GetCallerIdentity`: SigV4-signed with credentials this broker issued; answered only when the
///   signature verifies with the issued secret and the lease is live.
///
/// Errors are AWS's `ErrorResponse` XML with AWS's codes; every refusal is recorded as a deny.
public struct STSController: Sendable {
    let verifier: TokenVerifier
    let broker: Broker

    public init(verifier: TokenVerifier, broker: Broker) {
        self.verifier = verifier
        self.broker = broker
    }

    public func addRoutes(to router: Router<LessorRequestContext>) {
        router.post("/", use: handle)
        // Hummingbird matches `/sts/` (Terraform's form) by the same route.
        router.post("sts", use: handle)
    }

    static let version = "2011-06-15"

    @Sendable func handle(request: Request, context: LessorRequestContext) async throws -> Response {
        do {
            return try await answer(request, context: context)
        } catch {
            context.logger.info(
                "sts request refused",
                metadata: [
                    "request_id": "\(context.requestID)", "code": "\(error.code)", "status": "\(error.status.code)",
                ])
            return error.response(requestID: context.requestID)
        }
    }

    private func answer(_ request: Request, context: LessorRequestContext) async throws(STSError) -> Response {
        let path = request.uri.path
        let body: [UInt8]
        let fields: [String: String]
        do {
            body = try await RequestBody.collect(request)
            fields = try RequestBody.form(bytes: body)
        } catch {
            try await unauthenticated(error, path: path, context: context) {
                [.requestTooLarge, .requestTimeout].contains($0.code) ? .assumeRole($0) : .validation($0.message)
            }
        }
        guard fields["Version"] == Self.version else {
            try await unauthenticated(
                LessorError(.requestInvalid, "Version must be \(Self.version)"), path: path, context: context
            ) { .validation($0.message) }
        }
        switch fields["Action"] {
        case "AssumeRoleWithWebIdentity"?:
            return try await assumeRoleWithWebIdentity(fields, path: path, context: context)
        case "GetCallerIdentity"?:
            return try await getCallerIdentity(request, body: body, path: path, context: context)
        case let action:
            try await unauthenticated(
                LessorError(
                    .requestInvalid,
                    "Could not find operation \(action?.prefix(64) ?? "(none)") for version \(Self.version); Lessor serves AssumeRoleWithWebIdentity and GetCallerIdentity"
                ), path: path, context: context
            ) { STSError(status: .badRequest, code: "InvalidAction", message: $0.message) }
        }
    }

    private func assumeRoleWithWebIdentity(_ fields: [String: String], path: String, context: LessorRequestContext)
        async throws(STSError) -> Response
    {
        let parameters: AssumeRoleWithWebIdentityRequest
        do {
            parameters = try AssumeRoleWithWebIdentityRequest(fields)
        } catch {
            try await unauthenticated(LessorError(.requestInvalid, error.message), path: path, context: context) { _ in
                error
            }
        }
        let caller: Caller
        do {
            caller = Caller(
                identity: try await verifier.verify(parameters.webIdentityToken), requestID: context.requestID)
        } catch {
            try await unauthenticated(error, path: path, context: context) { STSError.assumeRole($0) }
        }
        let result: ExchangeResult
        do {
            result = try await broker.assumeRole(
                caller, roleARN: parameters.roleARN, sessionName: parameters.sessionName,
                requestedTTL: parameters.durationSeconds.map { .seconds($0) }, scopeDown: parameters.policy)
        } catch {
            throw STSError.assumeRole(error.error, stage: error.stage)
        }
        context.logger.info(
            "sts credentials issued",
            metadata: [
                "request_id": "\(context.requestID)", "tenant_id": "\(result.lease.tenantID)",
                "path": "\(result.lease.path)", "ttl": "\(result.leaseDuration)",
            ])
        let data = result.data
        func text(_ key: String) -> String { data[key]?.stringValue ?? "" }
        let audience = caller.identity.audiences.first ?? ""
        return Self.xml(
            .ok,
            STSXML.document(
                "AssumeRoleWithWebIdentityResponse",
                [
                    .element(
                        "AssumeRoleWithWebIdentityResult",
                        [
                            .text("SubjectFromWebIdentityToken", caller.identity.subject),
                            .text("Audience", audience),
                            .element(
                                "AssumedRoleUser",
                                [
                                    .text("Arn", text("assumed_role_arn")),
                                    .text("AssumedRoleId", text("assumed_role_id")),
                                ]),
                            .element(
                                "Credentials",
                                [
                                    .text("AccessKeyId", text("access_key_id")),
                                    .text("SecretAccessKey", text("secret_access_key")),
                                    .text("SessionToken", text("session_token")),
                                    .text("Expiration", text("expiration")),
                                ]),
                            .text("Provider", caller.identity.issuer),
                        ]),
                    .element("ResponseMetadata", [.text("RequestId", context.requestID)]),
                ]))
    }

    private func getCallerIdentity(_ request: Request, body: [UInt8], path: String, context: LessorRequestContext)
        async throws(STSError) -> Response
    {
        var headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        if let authority = request.head.authority, !headers.contains(where: { $0.name == "host" }) {
            headers.append((name: "host", value: authority))
        }
        let signed = SigV4Request(
            method: request.method.rawValue, path: path, query: request.uri.query ?? "", headers: headers, body: body)
        let identity: AWSCallerIdentity
        do throws(LessorError) {
            guard let header = signed.value(of: "authorization") else {
                throw LessorError(.unauthenticated, "the request is not signed: GetCallerIdentity needs SigV4")
            }
            let authorization = try SigV4Authorization(parsing: header)
            let presented = try await broker.presentedCredential(
                lookupKey: authorization.accessKeyID, requestID: context.requestID, path: path)
            identity = try AWSEngine.callerIdentity(
                of: signed, revocationHandle: presented.revocationHandle, now: broker.clock.now)
        } catch {
            try await unauthenticated(error, path: path, context: context) { STSError.signed($0) }
        }
        return Self.xml(
            .ok,
            STSXML.document(
                "GetCallerIdentityResponse",
                [
                    .element(
                        "GetCallerIdentityResult",
                        [
                            .text("Arn", identity.arn), .text("UserId", identity.userID),
                            .text("Account", identity.account),
                        ]
                    ),
                    .element("ResponseMetadata", [.text("RequestId", context.requestID)]),
                ]))
    }

    /// Records `error` as an unauthenticated deny, then throws it as `answer` renders it; a
    /// failure to record is answered as the broker's own trouble.
    private func unauthenticated(
        _ error: LessorError, path: String, context: LessorRequestContext, _ answer: (LessorError) -> STSError
    ) async throws(STSError) -> Never {
        do {
            try await broker.refuseUnauthenticated(error, requestID: context.requestID, path: path)
        } catch let recorded where recorded.code != error.code {
            throw STSError.assumeRole(recorded)
        } catch {
            throw answer(error)
        }
    }

    static func xml(_ status: HTTPResponse.Status, _ document: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/xml"],
            body: .init(byteBuffer: ByteBuffer(string: document)))
    }
}

public import Hummingbird
import LessorBroker
import LessorCore

/// An AWS Query error answer: `ErrorResponse/Error/{Type,Code,Message}` and `RequestId`, with
/// AWS's codes and statuses, the one layout the AWS SDKs (Terraform's included) read.
struct STSError: Error {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    /// Sent as `Retry-After` (whole seconds) when set.
    var retryAfterSeconds: Int?

    /// `Sender` for 4xx, `Receiver` for 5xx, as AWS answers.
    var type: String { status.code >= 500 ? "Receiver" : "Sender" }

    static func validation(_ message: String) -> STSError {
        STSError(status: .badRequest, code: "ValidationError", message: message)
    }

    /// The answer to a refused `AssumeRoleWithWebIdentity`: token failures as AWS words them (an
    /// expired token is `ExpiredTokenException`, an unreachable IdP `IDPCommunicationError`),
    /// claims that bind to no tenant `IDPRejectedClaim`, anything the tenant may not have
    /// `AccessDenied` (one message whether a role belongs to another tenant or to none), a tenant
    /// over its quota `Throttling` (400, as AWS answers, with `Retry-After`), and the
    /// broker's own trouble as a retryable 503 or a 500 that names only the request id.
    static func assumeRole(_ error: LessorError, stage: TokenExchangeRefusal.Stage? = nil) -> STSError {
        switch error.code {
        case .tokenExpired:
            return STSError(status: .badRequest, code: "ExpiredTokenException", message: error.message)
        case .issuerUnavailable:
            return STSError(status: .badRequest, code: "IDPCommunicationError", message: error.message)
        case .tokenMalformed, .tokenTooLarge, .tokenNotYetValid, .tokenTooOld, .claimMissing, .audienceMismatch,
            .issuerUnknown, .issuerMismatch, .keyUnknown, .algorithmNotAllowed, .signatureInvalid,
            .unsupportedHeader, .unauthenticated:
            return STSError(status: .badRequest, code: "InvalidIdentityToken", message: error.message)
        case .quotaExceeded:
            return STSError(
                status: .badRequest, code: "Throttling", message: error.message,
                retryAfterSeconds: error.retryAfterSeconds)
        case .policyDocumentInvalid:
            return STSError(status: .badRequest, code: "MalformedPolicyDocument", message: error.message)
        case .requestInvalid, .leaseNotRenewable:
            return validation(error.message)
        case .requestTooLarge:
            return STSError(status: .contentTooLarge, code: "RequestEntityTooLarge", message: error.message)
        case .requestTimeout:
            return STSError(status: .requestTimeout, code: "RequestTimeout", message: error.message)
        case .permissionDenied where stage == .parties:
            return STSError(status: .forbidden, code: "IDPRejectedClaim", message: error.message)
        case .permissionDenied, .tenantInactive, .leaseNotFound:
            return STSError(status: .forbidden, code: "AccessDenied", message: error.message)
        case .auditUnavailable, .storeUnavailable, .upstreamFailure, .engineTimeout:
            return STSError(
                status: .serviceUnavailable, code: "ServiceUnavailable",
                message: "the broker cannot decide or record this request now; retry later")
        case .keyInvalid, .responseTooLarge, .cryptoFailure, .configInvalid, .internalFailure, .auditInvalid,
            .engineFailure:
            return STSError(
                status: .internalServerError, code: "InternalFailure",
                message: "the broker failed to issue credentials; the request id identifies the failure")
        }
    }

    /// The answer to a refused signed request (`GetCallerIdentity`).
    static func signed(_ error: LessorError) -> STSError {
        switch error.code {
        case .tokenExpired:
            return STSError(
                status: .badRequest, code: "ExpiredToken",
                message: "The security token included in the request is expired")
        case .signatureInvalid:
            return STSError(
                status: .forbidden, code: "SignatureDoesNotMatch",
                message:
                    "The request signature we calculated does not match the signature you provided: \(error.message)")
        case .requestInvalid:
            return STSError(status: .badRequest, code: "IncompleteSignature", message: error.message)
        case .unauthenticated, .leaseNotFound, .tenantInactive, .permissionDenied:
            return STSError(
                status: .forbidden, code: "InvalidClientTokenId",
                message: "The security token included in the request is invalid")
        case .tokenMalformed, .tokenTooLarge, .tokenNotYetValid, .tokenTooOld, .claimMissing, .audienceMismatch,
            .issuerUnknown, .issuerMismatch, .issuerUnavailable, .keyUnknown, .keyInvalid, .algorithmNotAllowed,
            .unsupportedHeader, .upstreamFailure, .responseTooLarge, .cryptoFailure, .configInvalid, .internalFailure,
            .auditUnavailable, .auditInvalid, .leaseNotRenewable, .storeUnavailable, .engineFailure, .engineTimeout,
            .policyDocumentInvalid, .quotaExceeded, .requestTooLarge, .requestTimeout:
            return assumeRole(error)
        }
    }

    func response(requestID: String) -> Response {
        var response = STSController.xml(
            status,
            STSXML.document(
                "ErrorResponse",
                [
                    .element("Error", [.text("Type", type), .text("Code", code), .text("Message", message)]),
                    .text("RequestId", requestID),
                ]))
        if let retryAfterSeconds {
            response.headers[.retryAfter] = String(retryAfterSeconds)
        }
        return response
    }
}

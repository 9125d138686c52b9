import Foundation
public import Hummingbird
public import LessorCore

/// A `LessorError` rendered as HTTP: a status chosen by its code and a JSON body
/// `{"error": {"code", "message", "request_id"}}` that says what to fix; a throttled request
/// (429) carries `Retry-After` in whole seconds.
public struct APIError: HTTPResponseError {
    public let error: LessorError
    public let requestID: String

    public init(_ error: LessorError, requestID: String) {
        self.error = error
        self.requestID = requestID
    }

    public var status: HTTPResponse.Status {
        switch error.code {
        case .issuerUnavailable, .upstreamFailure, .auditUnavailable, .storeUnavailable: .serviceUnavailable
        case .engineFailure, .responseTooLarge: .badGateway
        case .engineTimeout: .gatewayTimeout
        case .internalFailure, .cryptoFailure, .keyInvalid, .auditInvalid, .configInvalid: .internalServerError
        case .requestInvalid, .leaseNotRenewable, .policyDocumentInvalid: .badRequest
        case .permissionDenied, .tenantInactive: .forbidden
        case .leaseNotFound: .notFound
        case .quotaExceeded: .tooManyRequests
        case .requestTooLarge: .contentTooLarge
        case .requestTimeout: .requestTimeout
        case .tokenMalformed, .tokenTooLarge, .tokenExpired, .tokenNotYetValid, .tokenTooOld, .claimMissing,
            .audienceMismatch, .issuerUnknown, .issuerMismatch, .keyUnknown, .algorithmNotAllowed, .signatureInvalid,
            .unsupportedHeader, .unauthenticated:
            .unauthorized
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if status == .unauthorized {
            headers[.wwwAuthenticate] = "Bearer error=\"invalid_token\""
        }
        if let seconds = error.retryAfterSeconds {
            headers[.retryAfter] = String(seconds)
        }
        let body = ErrorBody(error: .init(code: error.code.rawValue, message: error.message, requestID: requestID))
        return Response(
            status: status, headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONCoding.encode(body))))
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            let code: String
            let message: String
            let requestID: String
        }
        let error: Detail
    }
}

import Hummingbird
import LessorBroker
import LessorCore
import LessorIdentity
import Logging

/// Turns a request's bearer token into a verified `Caller`; a refused token is audited and
/// answered as `APIError`.
struct Authenticator: Sendable {
    let verifier: TokenVerifier
    let broker: Broker

    func caller(_ request: Request, context: LessorRequestContext) async throws -> Caller {
        do {
            do {
                let identity = try await verifier.verify(try BearerToken.from(request))
                return Caller(identity: identity, requestID: context.requestID)
            } catch {
                context.logger.info(
                    "token refused", metadata: ["request_id": "\(context.requestID)", "code": "\(error.code)"])
                try await broker.refuseUnauthenticated(error, requestID: context.requestID, path: request.uri.path)
            }
        } catch {
            throw APIError(error, requestID: context.requestID)
        }
    }

    /// The JSON body of an authenticated request; one that cannot be read is refused and audited.
    func body<Body: Decodable>(
        _ type: Body.Type, of request: Request, caller: Caller
    ) async throws(LessorError) -> Body {
        do {
            return try await RequestBody.json(type, from: request)
        } catch {
            try await broker.refuseRequest(error, caller: caller, path: request.uri.path)
        }
    }

    /// The form body of an authenticated request; one that cannot be read is refused and audited.
    func form(of request: Request, caller: Caller) async throws(LessorError) -> [String: String] {
        do {
            return try await RequestBody.form(from: request)
        } catch {
            try await broker.refuseRequest(error, caller: caller, path: request.uri.path)
        }
    }
}

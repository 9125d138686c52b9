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
}

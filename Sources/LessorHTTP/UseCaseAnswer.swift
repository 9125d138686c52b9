import Hummingbird
import LessorCore
import Logging

/// Runs a use case and renders its `LessorError` as an API error with the request id.
func answer<Value>(
    _ context: LessorRequestContext, _ body: () async throws(LessorError) -> Value
) async throws -> Value {
    do {
        return try await body()
    } catch {
        context.logger.info(
            "request refused", metadata: ["request_id": "\(context.requestID)", "code": "\(error.code)"])
        throw APIError(error, requestID: context.requestID)
    }
}

/// `answer`, rendered as a JSON response.
func answerJSON<Body: Encodable>(
    _ context: LessorRequestContext, _ body: () async throws(LessorError) -> Body
) async throws -> Response {
    try JSONCoding.response(try await answer(context, body))
}

/// `answer`, for a body already in `JSONValue` form (written without `JSONEncoder`).
func answerJSON(
    _ context: LessorRequestContext, _ body: () async throws(LessorError) -> JSONValue
) async throws -> Response {
    JSONCoding.response(json: try await answer(context, body))
}

import Hummingbird
import LessorCore
import NIOCore

/// Reads every request body before its route runs, refusing with 413 `request_too_large` one
/// whose `Content-Length` or whose bytes exceed `maxBytes` (`server.max_body_bytes`). Routes then
/// read the collected body from memory.
struct RequestBodyLimit: RouterMiddleware {
    let maxBytes: Int

    func handle(
        _ request: Request, context: LessorRequestContext,
        next: (Request, LessorRequestContext) async throws -> Response
    ) async throws -> Response {
        var request = request
        let refusal = APIError(
            LessorError(.requestTooLarge, "the request body is larger than \(maxBytes) bytes"),
            requestID: context.requestID)
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBytes {
            throw refusal
        }
        do {
            _ = try await request.collectBody(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw refusal
        }
        return try await next(request, context)
    }
}

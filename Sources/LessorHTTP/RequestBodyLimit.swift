import Hummingbird
import HummingbirdCore
import NIOCore

/// Reads every request body within `maxBytes` (`server.max_body_bytes`) before its route runs.
/// A body declared or found larger is not passed on: the route's first read of it throws
/// `Exceeded`, which `RequestBody` turns into 413 `request_too_large` on the route's own refusal
/// path, so an authenticated caller's oversized request is audited like any other refusal.
struct RequestBodyLimit: RouterMiddleware {
    /// What reading an oversized body throws.
    struct Exceeded: Error, Sendable {
        let maxBytes: Int
    }

    /// A body that throws `Exceeded` when read.
    struct Refused: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let maxBytes: Int

        struct AsyncIterator: AsyncIteratorProtocol {
            let maxBytes: Int
            func next() async throws -> ByteBuffer? { throw Exceeded(maxBytes: maxBytes) }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(maxBytes: maxBytes) }
    }

    let maxBytes: Int

    func handle(
        _ request: Request, context: LessorRequestContext,
        next: (Request, LessorRequestContext) async throws -> Response
    ) async throws -> Response {
        var request = request
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBytes {
            request.body = HummingbirdCore.RequestBody(asyncSequence: Refused(maxBytes: maxBytes))
        } else {
            do {
                _ = try await request.collectBody(upTo: maxBytes)
            } catch is NIOTooManyBytesError {
                request.body = HummingbirdCore.RequestBody(asyncSequence: Refused(maxBytes: maxBytes))
            }
        }
        return try await next(request, context)
    }
}

import Hummingbird
import HummingbirdCore
import LessorCore
import NIOCore

/// Reads every request body within `maxBytes` (`server.max_body_bytes`) and `readTimeout`
/// (`server.read_timeout`) before its route runs. A body declared or found larger is not passed
/// on: the route's first read of it throws `Exceeded`, which `RequestBody` turns into 413
/// `request_too_large` on the route's own refusal path, so an authenticated caller's oversized
/// request is audited like any other refusal. A body still arriving after `readTimeout` is
/// answered 408 `request_timeout`; its stream is ended, so the connection closes.
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
    let readTimeout: Duration

    func handle(
        _ request: Request, context: LessorRequestContext,
        next: (Request, LessorRequestContext) async throws -> Response
    ) async throws -> Response {
        var request = request
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maxBytes {
            request.body = HummingbirdCore.RequestBody(asyncSequence: Refused(maxBytes: maxBytes))
        } else {
            switch await collect(request.body) {
            case .success(let buffer):
                request.body = HummingbirdCore.RequestBody(buffer: buffer)
            case .failure(let error) where error is NIOTooManyBytesError:
                request.body = HummingbirdCore.RequestBody(asyncSequence: Refused(maxBytes: maxBytes))
            case .failure(let error):
                throw error
            case nil:
                throw APIError(
                    LessorError(.requestTimeout, "the request body did not arrive within \(readTimeout)"),
                    requestID: context.requestID)
            }
        }
        return try await next(request, context)
    }

    /// The body, or nil when `readTimeout` passed first (the read is then cancelled).
    private func collect(_ body: HummingbirdCore.RequestBody) async -> Result<ByteBuffer, any Error>? {
        let (maxBytes, readTimeout) = (maxBytes, readTimeout)
        return await withTaskGroup(of: Result<ByteBuffer, any Error>?.self) { group in
            group.addTask {
                do {
                    return .success(try await body.collect(upTo: maxBytes))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: readTimeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

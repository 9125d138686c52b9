import Hummingbird
import HummingbirdCore
import LessorCore
import NIOCore

/// Reads every request body within `maxBytes` (`server.max_body_bytes`) and `readTimeout`
/// (`server.read_timeout`) before its route runs. A body declared or found larger is not passed
/// on: the route's first read of it throws `Exceeded`, which `RequestBody` turns into 413
/// `request_too_large` on the route's own refusal path, so an authenticated caller's oversized
/// request is audited like any other refusal. A body still arriving after `readTimeout` is
/// answered 408 `request_timeout`. In all three cases the connection's request stream is ended, so
/// the connection closes after the answer: Hummingbird would otherwise read the rest of the body
/// before the next request, and a client trickling a body it declared too large just under
/// `idle_timeout` would hold its connection (and a `max_connections` place) for good.
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
            let body = request.body
            await Task {
                var iterator = body.makeAsyncIterator()
                await Self.endStream(&iterator)
            }.value
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

    /// Ends the connection's request stream: NIO answers a read from a cancelled task by dropping
    /// what it buffered and reading no more, after which Hummingbird closes the connection once the
    /// answer is written. Only for a task of its own: it cancels the calling task.
    private static func endStream(_ iterator: inout HummingbirdCore.RequestBody.AsyncIterator) async {
        withUnsafeCurrentTask { $0?.cancel() }
        _ = try? await iterator.next()
    }

    /// The body, or nil when `readTimeout` passed first (the read is then cancelled, which ends the
    /// stream as `endStream` does).
    private func collect(_ body: HummingbirdCore.RequestBody) async -> Result<ByteBuffer, any Error>? {
        let (maxBytes, readTimeout) = (maxBytes, readTimeout)
        return await withTaskGroup(of: Result<ByteBuffer, any Error>?.self) { group in
            group.addTask {
                do {
                    var collected: ByteBuffer?
                    var iterator = body.makeAsyncIterator()
                    while let part = try await iterator.next() {
                        guard (collected?.readableBytes ?? 0) + part.readableBytes <= maxBytes else {
                            await Self.endStream(&iterator)
                            return .failure(NIOTooManyBytesError(maxBytes: maxBytes))
                        }
                        if collected == nil {
                            collected = part
                        } else {
                            collected!.writeImmutableBuffer(part)
                        }
                    }
                    return .success(collected ?? ByteBuffer())
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

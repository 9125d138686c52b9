import Hummingbird
import HummingbirdCore
import LessorCore
import NIOCore

/// Reads every request body within `maxBytes` (`server.max_body_bytes`) and `readTimeout`
/// (`server.read_timeout`) before its route runs. A body declared or found larger, or still
/// arriving after `readTimeout`, is not passed on: the route's first read of it throws `Refusal`,
/// which `RequestBody` turns into 413 `request_too_large` or 408 `request_timeout` on the route's
/// own refusal path, so the refusal is audited like any other (with the caller's identity once
/// the route has verified it). In all three cases the connection's request stream is ended, so
/// the connection closes after the answer: Hummingbird would otherwise read the rest of the body
/// before the next request, and a client trickling a body it declared too large just under
/// `idle_timeout` would hold its connection (and a `max_connections` place) for good.
struct RequestBodyLimit: RouterMiddleware {
    /// What reading a refused body throws: the error its route answers with.
    struct Refusal: Error, Sendable {
        let error: LessorError
    }

    /// A body that throws `Refusal` when read.
    struct Refused: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let refusal: Refusal

        struct AsyncIterator: AsyncIteratorProtocol {
            let refusal: Refusal
            func next() async throws -> ByteBuffer? { throw refusal }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(refusal: refusal) }
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
            request.body = refused(tooLarge)
        } else {
            switch await collect(request.body) {
            case .success(let buffer):
                request.body = HummingbirdCore.RequestBody(buffer: buffer)
            case .failure(let error) where error is NIOTooManyBytesError:
                request.body = refused(tooLarge)
            case .failure(let error):
                throw error
            case nil:
                request.body = refused(
                    LessorError(.requestTimeout, "the request body did not arrive within \(readTimeout)"))
            }
        }
        return try await next(request, context)
    }

    private var tooLarge: LessorError {
        LessorError(.requestTooLarge, "the request body is larger than \(maxBytes) bytes")
    }

    private func refused(_ error: LessorError) -> HummingbirdCore.RequestBody {
        HummingbirdCore.RequestBody(asyncSequence: Refused(refusal: Refusal(error: error)))
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

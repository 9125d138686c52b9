public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
public import NIOSSL

/// A Hummingbird application bound to 127.0.0.1 on a free port, for tests. The test that starts
/// it stops it.
public final class LoopbackServer: Sendable {
    public let port: Int
    public let scheme: String
    private let task: Task<Void, any Error>

    public var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    private init(port: Int, scheme: String, task: Task<Void, any Error>) {
        self.port = port
        self.scheme = scheme
        self.task = task
    }

    public static func start<Responder: HTTPResponder>(
        responder: Responder, tls: TLSConfiguration? = nil
    ) async throws -> LoopbackServer where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "loopback-server")
        logger.logLevel = .critical
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        let app = Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await value in ports { port = value }
        guard port > 0 else {
            task.cancel()
            _ = try? await task.value
            throw LoopbackServerError.didNotStart
        }
        return LoopbackServer(port: port, scheme: tls == nil ? "http" : "https", task: task)
    }

    /// Runs `body` against a started server that is stopped afterwards, whether `body` throws or not.
    public static func with<Responder: HTTPResponder, T>(
        responder: Responder, tls: TLSConfiguration? = nil, _ body: (LoopbackServer) async throws -> T
    ) async throws -> T where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let server = try await start(responder: responder, tls: tls)
        return try await withCleanup {
            try await body(server)
        } cleanup: {
            await server.stop()
        }
    }

    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

public enum LoopbackServerError: Error { case didNotStart }

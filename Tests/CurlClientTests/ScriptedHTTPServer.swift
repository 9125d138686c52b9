import Glibc
import LessorTestSupport
import Synchronization

/// A loopback HTTP/1.1 server on raw POSIX sockets that answers each path with a scripted reply
/// and records what it received. One connection at a time, closed after each reply.
/// The test that starts it must call `stop()`.
final class ScriptedHTTPServer: Sendable {
    enum Reply: Sendable {
        /// With `Content-Length`.
        case respond(status: Int, headers: [(String, String)] = [], body: [UInt8] = [])
        /// No `Content-Length`: the body ends when the connection closes.
        case closeDelimited(status: Int, body: [UInt8])
        case chunked(status: Int, body: [UInt8], chunkSize: Int)
        /// Bytes written as given, status line included.
        case raw([UInt8])
        /// Reads the request and never answers.
        case hang
        /// Announces `body` with `Content-Length`, then sends it one byte per `interval`.
        case trickle(body: [UInt8], interval: Duration)
    }

    struct ReceivedRequest: Sendable {
        let method: String
        let path: String
        /// Names lowercased.
        let headers: [String: String]
        let body: [UInt8]
    }

    private struct State {
        var thread: pthread_t?
        var received: [ReceivedRequest] = []
        var heldConnections: [Int32] = []
    }

    let port: UInt16
    private let listener: Int32
    private let routes: [String: Reply]
    private let stopping = Atomic<Bool>(false)
    private let state = Mutex(State())

    private init(listener: Int32, port: UInt16, routes: [String: Reply]) {
        self.listener = listener
        self.port = port
        self.routes = routes
    }

    /// Binds 127.0.0.1 on a free port and starts answering.
    static func start(_ routes: [String: Reply]) throws -> ScriptedHTTPServer {
        try start { _ in routes }
    }

    /// As `start(_:)`, for routes that need the server's own port (redirects to itself).
    static func start(_ routes: (_ port: UInt16) -> [String: Reply]) throws -> ScriptedHTTPServer {
        let (listener, port) = try LoopbackSocket.listen()
        let server = ScriptedHTTPServer(listener: listener, port: port, routes: routes(port))
        var thread = pthread_t()
        let context = Unmanaged.passRetained(server).toOpaque()
        let created = pthread_create(
            &thread, nil,
            { context in
                let server = Unmanaged<ScriptedHTTPServer>.fromOpaque(context!).takeRetainedValue()
                server.acceptLoop()
                return nil
            }, context)
        guard created == 0 else {
            Unmanaged<ScriptedHTTPServer>.fromOpaque(context).release()
            close(listener)
            throw LoopbackSocket.Failure(call: "pthread_create", errno: created)
        }
        server.state.withLock { $0.thread = thread }
        return server
    }

    /// Stops accepting, joins the server thread, and closes every socket.
    func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let thread = state.withLock({ $0.thread }) { pthread_join(thread, nil) }
        close(listener)
        for connection in state.withLock({ $0.heldConnections }) { close(connection) }
    }

    func url(_ pathAndQuery: String) -> String { "http://127.0.0.1:\(port)\(pathAndQuery)" }

    func hits(_ path: String) -> Int { requests(path).count }

    func requests(_ path: String) -> [ReceivedRequest] {
        state.withLock { $0.received.filter { $0.path == path } }
    }

    private var isStopping: Bool { stopping.load(ordering: .acquiring) }

    private func acceptLoop() {
        while !isStopping {
            var ready = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 20) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            if serve(connection) { close(connection) }
        }
    }

    /// Returns false when the connection must stay open.
    private func serve(_ connection: Int32) -> Bool {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let request = readRequest(connection) else { return true }
        state.withLock { $0.received.append(request) }
        switch routes[request.path] ?? .respond(status: 404, body: Array("no route\n".utf8)) {
        case .respond(let status, let headers, let body):
            let head = headers + [("Content-Length", "\(body.count)")]
            send(connection, Self.head(status: status, headers: head) + body)
        case .closeDelimited(let status, let body):
            send(connection, Self.head(status: status, headers: []) + body)
        case .chunked(let status, let body, let chunkSize):
            var bytes = Self.head(status: status, headers: [("Transfer-Encoding", "chunked")])
            var offset = 0
            while offset < body.count {
                let chunk = body[offset..<min(offset + chunkSize, body.count)]
                bytes += Array("\(String(chunk.count, radix: 16))\r\n".utf8) + chunk + Array("\r\n".utf8)
                offset += chunk.count
            }
            send(connection, bytes + Array("0\r\n\r\n".utf8))
        case .raw(let bytes):
            send(connection, bytes)
        case .hang:
            state.withLock { $0.heldConnections.append(connection) }
            return false
        case .trickle(let body, let interval):
            guard send(connection, Self.head(status: 200, headers: [("Content-Length", "\(body.count)")])) else {
                return true
            }
            for byte in body where !isStopping {
                let (seconds, attoseconds) = interval.components
                usleep(useconds_t(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
                guard send(connection, [byte]) else { break }
            }
        }
        shutdown(connection, Int32(SHUT_WR))
        return true
    }

    private func readRequest(_ connection: Int32) -> ReceivedRequest? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0, buffer.count < 1 << 16 else { return nil }
            buffer += chunk[..<count]
            headerEnd = Self.firstRange(of: separator, in: buffer)
        }
        guard let headerEnd else { return nil }
        let lines = String(decoding: buffer[..<headerEnd], as: UTF8.self).split(separator: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        guard requestLine.count == 3 else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            headers[line[..<colon].lowercased()] = String(value)
        }
        var body = Array(buffer[(headerEnd + separator.count)...])
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while body.count < length {
            let count = recv(connection, &chunk, min(chunk.count, length - body.count), 0)
            guard count > 0 else { return nil }
            body += chunk[..<count]
        }
        let target = requestLine[1]
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? target
        return ReceivedRequest(method: String(requestLine[0]), path: String(path), headers: headers, body: body)
    }

    @discardableResult
    private func send(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    private static func head(status: Int, headers: [(String, String)]) -> [UInt8] {
        var text = "HTTP/1.1 \(status) Scripted\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Array((text + "\r\n").utf8)
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}

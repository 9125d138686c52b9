import Foundation
import LessorCore
import LessorTestSupport
import Testing

/// `server:` limits of a real `lessor server` over loopback sockets: an oversized body is 413 and
/// audited, an oversized head 400 with the connection closed, clients that send their head a byte
/// at a time are cut after `idle_timeout` while an ordinary client is still answered, a trickling
/// body is cut at `read_timeout`, and `max_connections` holds further clients back.
@Suite("Server limits over loopback", .serialized)
struct ServerLimitsTests {
    static let maxBodyBytes = 4096
    static let maxHeaderBytes = 18 * 1024
    static let idleSeconds = 2
    static let readSeconds = 3
    static let slowClients = 40

    /// A broker with small limits, for `body`.
    static func run(
        maxConnections: Int = slowClients * 2, extra: String = "",
        _ body: (ServerProcess, StaticIssuer) async throws -> Void
    ) async throws {
        let settings = [
            "max_body_bytes: \(maxBodyBytes)", "max_header_bytes: \(maxHeaderBytes)", "idle_timeout: \(idleSeconds)s",
            "read_timeout: \(readSeconds)s", "max_connections: \(maxConnections)",
        ]
        try await BrokerUnderTest.run(extra: extra, serverSettings: settings) { try await body($0.server, $0.issuer) }
    }

    @Test("a body over max_body_bytes is 413 (JSON API, RFC 8693 and STS) and audited; one within it is served")
    func oversizedBody() async throws {
        try await Self.run { server, issuer in
            let token = try issuer.workload("acme")
            let padding = String(repeating: " ", count: Self.maxBodyBytes)
            let large = try await server.endpoint.send(
                "/v1/creds/token/audiences/app", token: token, headers: [("Content-Type", "application/json")],
                body: Array("{\"ttl\": 60\(padding)}".utf8))
            #expect(large.status == 413, "\(large.text)")
            #expect(large.errorCode == "request_too_large")
            let form = [("Content-Type", "application/x-www-form-urlencoded")]
            let exchange = try await server.endpoint.send(
                "/v1/token", token: nil, headers: form, body: Array("audience=\(padding)".utf8))
            #expect(exchange.status == 413, "\(exchange.text)")
            #expect(exchange.json?["error"]?.stringValue == "invalid_request")
            let sts = try await server.endpoint.send(
                "/", token: nil, headers: form, body: Array("Version=2011-06-15\(padding)".utf8))
            #expect(sts.status == 413, "\(sts.text)")
            #expect(sts.text.contains("<Code>RequestEntityTooLarge</Code>"), "\(sts.text)")
            let small = try await server.endpoint.exchange(token, ttl: 60)
            #expect(small.status == 200, "\(small.text)")

            let requestID = try #require(large.requestID)
            await server.stop()
            let denied = try server.auditRecords().filter { $0["request_id"]?.stringValue == requestID }
            #expect(denied.map { $0["event"]?.stringValue } == ["deny"], "\(denied)")
        }
    }

    @Test(
        "a body too large is 413 and its connection closed at once, though the client keeps sending it",
        arguments: ["Content-Length: 1000000", "Transfer-Encoding: chunked"])
    func oversizedBodyClosesTheConnection(framing: String) async throws {
        try await Self.run { server, _ in
            // Sends the head, then (chunked: over max_body_bytes at once, then) a byte every 0.2 s,
            // well within idle_timeout, for up to four idle timeouts; prints what came back.
            let script = """
                import json, socket, time
                PORT, IDLE, CHUNKED = \(server.port), \(Self.idleSeconds), \(framing.hasPrefix("Transfer") ? "True" : "False")
                c = socket.create_connection(("127.0.0.1", PORT), timeout=IDLE * 10)
                c.sendall(b"POST /v1/token HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\(framing)\\r\\n"
                          b"Content-Type: application/x-www-form-urlencoded\\r\\n\\r\\n")
                if CHUNKED:
                    c.sendall(b"%x\\r\\n%s\\r\\n" % (\(Self.maxBodyBytes * 2), b"a" * \(Self.maxBodyBytes * 2)))
                c.setblocking(False)
                reply, start, closed, answered_at, closed_at = b"", time.monotonic(), False, None, None
                while time.monotonic() - start < IDLE * 4:
                    try:
                        chunk = c.recv(4096)
                        if not chunk:
                            closed, closed_at = True, time.monotonic()
                            break
                        reply += chunk
                        answered_at = answered_at or time.monotonic()
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed, closed_at = True, time.monotonic()
                        break
                    try:
                        c.send(b"1\\r\\na\\r\\n" if CHUNKED else b"a")
                    except OSError:
                        closed, closed_at = True, time.monotonic()
                        break
                    time.sleep(0.2)
                print(json.dumps({"closed": closed, "status": int(reply.split(b" ")[1]) if reply.startswith(b"HTTP/") else None,
                                  "seconds_open_after_answer": (closed_at - answered_at) if closed and answered_at else None}))
                """
            let result = try await ChildProcess.python(script)
            try #require(result.status == 0, "the script failed:\n\(result.errors)")
            let outcome = try JSONParser.parse(result.output)
            #expect(outcome["status"]?.numberValue == 413, "\(outcome)")
            #expect(outcome["closed"] == .bool(true), "the connection stays open while the body trickles: \(outcome)")
            #expect(
                (outcome["seconds_open_after_answer"]?.numberValue ?? 99) < Double(Self.idleSeconds),
                "closed after the answer, not by idle_timeout: \(outcome)")
        }
    }

    @Test("a head over max_header_bytes is refused and its connection closed; one within it is served")
    func oversizedHeaders() async throws {
        try await Self.run { server, _ in
            let port = server.port
            let large = try await onOwnThread {
                try RawHTTP.send(
                    port: port, method: "GET", target: "/v1/health",
                    headers: [("X-Padding", String(repeating: "a", count: Self.maxHeaderBytes + 1))], body: [])
            }
            #expect(large.status == 400 || large.status == 431, "\(large.status) \(large.text)")
            #expect(large.headers["connection"] == "close")
            let small = try await onOwnThread {
                try RawHTTP.send(
                    port: port, method: "GET", target: "/v1/health",
                    headers: [("X-Padding", String(repeating: "a", count: 8 * 1024))], body: [])
            }
            #expect(small.status == 200)
        }
    }

    @Test("slow clients sending their heads a byte at a time are cut after idle_timeout; others are served meanwhile")
    func slowClients() async throws {
        try await Self.run { server, _ in
            let outcome = try await Self.slowloris(port: server.port, count: Self.slowClients)
            let count = Double(Self.slowClients)
            #expect(outcome["connected"]?.numberValue == count)
            #expect(outcome["closed"]?.numberValue == count, "every slow client is cut: \(outcome)")
            #expect(outcome["completed_heads"]?.numberValue == 0, "no slow client ever finished its head")
            #expect(outcome["answered_slow"]?.numberValue == 0, "the server answered no incomplete head")
            #expect(outcome["normal"]?["status"]?.numberValue == 200, "\(outcome)")
            #expect(
                outcome["normal"]?["slow_open"]?.numberValue == count,
                "the ordinary request was answered while every slow client was connected: \(outcome)")
            #expect(server.isRunning)
        }
    }

    @Test("the metrics listener (metrics.port) keeps the server's limits: slow clients are cut after idle_timeout")
    func metricsListenerKeepsTheLimits() async throws {
        let port = Int(try LoopbackSocket.unusedPort())
        try await Self.run(extra: "metrics: {address: 127.0.0.1, port: \(port)}") { _, _ in
            let count = 10
            let outcome = try await Self.slowloris(port: port, count: count)
            #expect(outcome["connected"]?.numberValue == Double(count))
            #expect(outcome["closed"]?.numberValue == Double(count), "every slow client is cut: \(outcome)")
            #expect(outcome["completed_heads"]?.numberValue == 0, "no slow client ever finished its head")
            #expect(outcome["normal"]?["status"]?.numberValue == 404, "an ordinary request is answered: \(outcome)")
        }
    }

    @Test("at max_connections a further client waits until a connection closes, then is answered")
    func connectionCap() async throws {
        let cap = 4
        try await Self.run(maxConnections: cap) { server, _ in
            let outcome = try await Self.slowloris(port: server.port, count: cap)
            #expect(outcome["closed"]?.numberValue == Double(cap), "\(outcome)")
            #expect(outcome["normal"]?["status"]?.numberValue == 200, "\(outcome)")
            #expect(
                (outcome["normal"]?["slow_open"]?.numberValue ?? .infinity) < Double(cap),
                "the further client was answered only after a slow client was cut: \(outcome)")
        }
    }

    @Test("a body trickling in faster than idle_timeout is cut at read_timeout with 408, audited")
    func slowBody() async throws {
        try await Self.run { server, _ in
            let script = """
                import json, socket, time
                PORT, READ = \(server.port), \(Self.readSeconds)
                c = socket.create_connection(("127.0.0.1", PORT), timeout=READ * 10)
                c.sendall(b"POST /v1/token HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Length: 1000\\r\\n"
                          b"Content-Type: application/x-www-form-urlencoded\\r\\n\\r\\n")
                c.setblocking(False)
                sent, reply, start, closed = 0, b"", time.monotonic(), False
                while sent < 1000 and time.monotonic() - start < READ * 10:
                    try:
                        chunk = c.recv(4096)
                        if not chunk:
                            closed = True
                            break
                        reply += chunk
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed = True
                        break
                    try:
                        sent += c.send(b"a")
                    except OSError:
                        closed = True
                        break
                    time.sleep(0.2)
                print(json.dumps({"sent": sent, "closed": closed, "timeout_code": b"did not arrive within" in reply,
                                  "status": int(reply.split(b" ")[1]) if reply.startswith(b"HTTP/") else None}))
                """
            let result = try await ChildProcess.python(script)
            try #require(result.status == 0, "the slow-body script failed:\n\(result.errors)")
            let outcome = try JSONParser.parse(result.output)
            #expect(outcome["status"]?.numberValue == 408, "\(outcome)")
            #expect(outcome["timeout_code"] == .bool(true), "the answer says what happened: \(outcome)")
            #expect(outcome["closed"] == .bool(true), "\(outcome)")
            #expect((outcome["sent"]?.numberValue ?? 1000) < 1000, "the body never completed: \(outcome)")

            await server.stop()
            let timeouts = try server.auditRecords().filter {
                $0["reason"]?.stringValue?.contains("did not arrive within") == true
            }
            #expect(timeouts.map { $0["event"]?.stringValue } == ["deny"], "the refusal is audited: \(timeouts)")
        }
    }

    /// Runs `slowlorisScript` and returns what it printed.
    static func slowloris(port: Int, count: Int) async throws -> JSONValue {
        let result = try await ChildProcess.python(slowlorisScript(port: port, count: count))
        try #require(result.status == 0, "the slow-client script failed:\n\(result.errors)")
        return try JSONParser.parse(result.output)
    }

    /// Opens `count` connections that send a request head one byte per connection every 50 ms
    /// and never finish it, sends one ordinary request after half a timeout, and waits at most ten
    /// timeouts for the server to close every slow connection. Prints the counts, and how many
    /// slow connections were still open when the ordinary request was answered.
    static func slowlorisScript(port: Int, count: Int) -> String {
        """
        import json, socket, time
        PORT, COUNT, IDLE = \(port), \(count), \(idleSeconds)
        head = b"GET /v1/health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nX-Slow: " + b"s" * 2000 + b"\\r\\n\\r\\n"
        slow, sent, closed, answered = [], [0] * COUNT, set(), [0]
        for _ in range(COUNT):
            s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
            s.setblocking(False)
            slow.append(s)

        def poll(i, s, send):
            try:
                if send and sent[i] < len(head) - 2:
                    sent[i] += s.send(head[sent[i]:sent[i] + 1])
                if s.recv(4096):
                    answered[0] += 1
                closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)

        start, normal = time.monotonic(), None
        while len(closed) < COUNT and time.monotonic() - start < IDLE * 10:
            for i, s in enumerate(slow):
                if i not in closed:
                    poll(i, s, True)
            if normal is None and time.monotonic() - start > IDLE / 2:
                c = socket.create_connection(("127.0.0.1", PORT), timeout=IDLE * 10)
                c.sendall(b"GET /v1/health HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n")
                reply = b""
                while True:
                    chunk = c.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
                c.close()
                for i, s in enumerate(slow):
                    if i not in closed:
                        poll(i, s, False)
                normal = {"status": int(reply.split(b" ")[1]), "slow_open": COUNT - len(closed)}
            time.sleep(0.05)
        print(json.dumps({
            "connected": len(slow), "closed": len(closed), "answered_slow": answered[0], "normal": normal,
            "completed_heads": sum(1 for n in sent if n >= len(head) - 2),
        }))
        """
    }
}

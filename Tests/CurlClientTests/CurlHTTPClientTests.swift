import CurlClient
import LessorCore
import LessorTestSupport
import Testing

@Suite("CurlHTTPClient against a loopback server")
struct CurlHTTPClientTests {
    let client = CurlHTTPClient()

    private func plain(_ url: String, maxResponseBytes: Int = 1 << 20, maxRedirects: Int = 0) -> CurlRequest {
        CurlRequest(
            url: url, totalTimeout: .seconds(5), maxResponseBytes: maxResponseBytes, allowPlainHTTP: true,
            maxRedirects: maxRedirects)
    }

    private func failure(_ request: CurlRequest) async -> LessorError? {
        await #expect(throws: LessorError.self) { try await client.send(request) }
    }

    @Test func getReturnsStatusBodyAndLowercasedHeaders() async throws {
        let server = try ScriptedHTTPServer.start([
            "/hello": .respond(
                status: 200, headers: [("Cache-Control", "max-age=60"), ("X-Lessor-Test", " padded ")],
                body: Array("hello".utf8))
        ])
        defer { server.stop() }

        let response = try await client.send(plain(server.url("/hello")))

        #expect(response.status == 200)
        #expect(response.body == Array("hello".utf8))
        #expect(response.headers["cache-control"] == "max-age=60")
        #expect(response.headers["x-lessor-test"] == "padded")
        #expect(response.headers["Cache-Control"] == nil)
        #expect(response.url == server.url("/hello"))
        #expect(server.requests("/hello").first?.method == "GET")
        #expect(server.hits("/hello") == 1)
    }

    @Test func postSendsBodyAndHeaders() async throws {
        let server = try ScriptedHTTPServer.start(["/token": .respond(status: 200, body: Array("{}".utf8))])
        defer { server.stop() }
        let body = Array("grant_type=client_credentials&scope=a%20b".utf8) + [0, 255]
        var request = plain(server.url("/token"))
        request.method = .post
        request.body = body
        request.headers = [("Content-Type", "application/x-www-form-urlencoded"), ("X-Empty", "")]

        let response = try await client.send(request)

        #expect(response.status == 200)
        let received = try #require(server.requests("/token").first)
        #expect(received.method == "POST")
        #expect(received.body == body)
        #expect(received.headers["content-type"] == "application/x-www-form-urlencoded")
        #expect(received.headers["x-empty"] == "")
        #expect(received.headers["expect"] == nil)
    }

    @Test func notFoundIsReturnedNotThrown() async throws {
        let server = try ScriptedHTTPServer.start(["/missing": .respond(status: 404, body: Array("gone".utf8))])
        defer { server.stop() }

        let response = try await client.send(plain(server.url("/missing")))

        #expect(response.status == 404)
        #expect(response.body == Array("gone".utf8))
    }

    @Test func headersComeFromTheFinalStatusBlockAndTheLastRepeatWins() async throws {
        let raw =
            "HTTP/1.1 100 Continue\r\nX-Interim: yes\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nX-Repeat: first\r\nx-repeat: second\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        let server = try ScriptedHTTPServer.start(["/raw": .raw(Array(raw.utf8))])
        defer { server.stop() }

        let response = try await client.send(plain(server.url("/raw")))

        #expect(response.status == 200)
        #expect(response.headers["x-interim"] == nil)
        #expect(response.headers["x-repeat"] == "second")
        #expect(response.body == Array("ok".utf8))
    }

    @Test func bodyExactlyAtTheLimitIsAccepted() async throws {
        let body = [UInt8](repeating: 0x61, count: 1024)
        let server = try ScriptedHTTPServer.start(["/exact": .chunked(status: 200, body: body, chunkSize: 100)])
        defer { server.stop() }

        let response = try await client.send(plain(server.url("/exact"), maxResponseBytes: 1024))

        #expect(response.body == body)
    }

    @Test func announcedOversizedBodyIsRefused() async throws {
        let server = try ScriptedHTTPServer.start([
            "/big": .respond(status: 200, body: [UInt8](repeating: 0x61, count: 1025))
        ])
        defer { server.stop() }

        let error = await failure(plain(server.url("/big"), maxResponseBytes: 1024))

        #expect(error?.code == .responseTooLarge)
    }

    @Test func chunkedOversizedBodyIsRefused() async throws {
        let server = try ScriptedHTTPServer.start([
            "/big": .chunked(status: 200, body: [UInt8](repeating: 0x61, count: 4096), chunkSize: 500)
        ])
        defer { server.stop() }

        let error = await failure(plain(server.url("/big"), maxResponseBytes: 1024))

        #expect(error?.code == .responseTooLarge)
    }

    @Test func oversizedBodyWithoutALengthIsRefused() async throws {
        let server = try ScriptedHTTPServer.start([
            "/big": .closeDelimited(status: 200, body: [UInt8](repeating: 0x61, count: 4096))
        ])
        defer { server.stop() }

        let error = await failure(plain(server.url("/big"), maxResponseBytes: 1024))

        #expect(error?.code == .responseTooLarge)
    }

    @Test func hangingServerFailsAfterTheTotalTimeout() async throws {
        let server = try ScriptedHTTPServer.start(["/hang": .hang])
        defer { server.stop() }
        var request = plain(server.url("/hang"))
        request.totalTimeout = .milliseconds(400)

        let error = await failure(request)

        #expect(error?.code == .upstreamFailure)
        #expect(error?.message.contains("timed out after 400 ms") == true)
    }

    @Test func tricklingServerFailsAfterTheTotalTimeoutEvenWhileBytesArrive() async throws {
        let server = try ScriptedHTTPServer.start([
            "/slow": .trickle(body: [UInt8](repeating: 0x61, count: 100), interval: .milliseconds(20))
        ])
        defer { server.stop() }
        var request = plain(server.url("/slow"))
        request.totalTimeout = .milliseconds(400)

        let error = await failure(request)

        #expect(error?.code == .upstreamFailure)
        #expect(error?.message.contains("timed out") == true)
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let server = try ScriptedHTTPServer.start(["/hang": .hang])
        defer { server.stop() }
        var request = plain(server.url("/hang"))
        request.totalTimeout = .seconds(30)
        let client = client

        let task = Task { try await client.send(request) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let error = await #expect(throws: LessorError.self) { try await task.value }

        #expect(error?.code == .upstreamFailure)
        #expect(error?.message.contains("cancelled") == true)
    }

    @Test func refusedConnectionIsAnUpstreamFailure() async throws {
        let port = try LoopbackSocket.unusedPort()

        let error = await failure(plain("http://127.0.0.1:\(port)/jwks"))

        #expect(error?.code == .upstreamFailure)
        #expect(error?.message.contains("could not connect") == true)
    }

    @Test func plainHTTPIsRefusedUnlessAllowed() async throws {
        let server = try ScriptedHTTPServer.start(["/jwks": .respond(status: 200)])
        defer { server.stop() }

        let error = await failure(CurlRequest(url: server.url("/jwks")))

        #expect(error?.code == .upstreamFailure)
        #expect(error?.message.contains("plain http is not allowed") == true)
        #expect(server.hits("/jwks") == 0)
    }

    @Test(arguments: ["ftp://127.0.0.1/file", "file:///etc/passwd", "not a url", "/relative/only"])
    func otherSchemesAndInvalidURLsAreRefused(url: String) async throws {
        var request = CurlRequest(url: url)
        request.allowPlainHTTP = true

        let error = await failure(request)

        #expect(error?.code == .upstreamFailure)
    }

    @Test func headerValueWithALineBreakIsRefusedBeforeSending() async throws {
        let server = try ScriptedHTTPServer.start(["/jwks": .respond(status: 200)])
        defer { server.stop() }
        var request = plain(server.url("/jwks"))
        request.headers = [("X-Tenant", "acme\r\nX-Admin: true")]

        let error = await failure(request)

        #expect(error?.code == .upstreamFailure)
        #expect(server.hits("/jwks") == 0)
    }

    @Test func clientKeyWithoutItsCertificateIsRefusedBeforeSending() async throws {
        let server = try ScriptedHTTPServer.start(["/jwks": .respond(status: 200)])
        defer { server.stop() }
        var request = plain(server.url("/jwks"))
        request.clientKeyPath = "/nonexistent/client.key"

        let error = await failure(request)

        #expect(error?.code == .requestInvalid)
        #expect(error?.message.contains("without its client certificate") == true)
        #expect(server.hits("/jwks") == 0)
    }

    @Test func redirectToTheSamePortUnderAnotherHostNameIsRefused() async throws {
        // "localhost" may well reach this server, but it is not the host string that was asked for.
        let server = try ScriptedHTTPServer.start { port in
            [
                "/start": .respond(status: 302, headers: [("Location", "http://localhost:\(port)/final")]),
                "/final": .respond(status: 200),
            ]
        }
        defer { server.stop() }

        let error = await failure(plain(server.url("/start"), maxRedirects: 5))

        #expect(error?.code == .upstreamFailure)
        #expect(error?.message.contains("another origin, http://localhost:\(server.port)/final") == true)
        #expect(server.hits("/final") == 0)
    }

    @Test func redirectToAnotherPortIsRefused() async throws {
        let other = try ScriptedHTTPServer.start(["/final": .respond(status: 200)])
        defer { other.stop() }
        let server = try ScriptedHTTPServer.start([
            "/start": .respond(status: 307, headers: [("Location", other.url("/final"))])
        ])
        defer { server.stop() }

        let error = await failure(plain(server.url("/start"), maxRedirects: 5))

        #expect(error?.code == .upstreamFailure)
        #expect(other.hits("/final") == 0)
    }

    @Test func sameHostRedirectIsFollowedWhenAllowed() async throws {
        let server = try ScriptedHTTPServer.start([
            "/start": .respond(status: 302, headers: [("Location", "/final?step=2")]),
            "/final": .respond(status: 200, body: Array("done".utf8)),
        ])
        defer { server.stop() }

        let response = try await client.send(plain(server.url("/start"), maxRedirects: 1))

        #expect(response.status == 200)
        #expect(response.body == Array("done".utf8))
        #expect(response.url == server.url("/final?step=2"))
        #expect(server.hits("/start") == 1)
        #expect(server.hits("/final") == 1)
    }

    @Test func sameHostRedirectIsRefusedByDefault() async throws {
        let server = try ScriptedHTTPServer.start([
            "/start": .respond(status: 301, headers: [("Location", "/final")]),
            "/final": .respond(status: 200),
        ])
        defer { server.stop() }

        let error = await failure(plain(server.url("/start")))

        #expect(error?.code == .upstreamFailure)
        #expect(error?.message.contains("redirects are not allowed") == true)
        #expect(server.hits("/final") == 0)
    }

    @Test func redirectLoopStopsAtTheLimit() async throws {
        let server = try ScriptedHTTPServer.start([
            "/a": .respond(status: 307, headers: [("Location", "/b")]),
            "/b": .respond(status: 307, headers: [("Location", "/a")]),
        ])
        defer { server.stop() }

        let error = await failure(plain(server.url("/a"), maxRedirects: 3))

        #expect(error?.code == .upstreamFailure)
        #expect(error?.message.contains("more than 3 redirects") == true)
        #expect(server.hits("/a") + server.hits("/b") == 4)
    }

    @Test func seeOtherAfterPostContinuesAsGetWithoutBody() async throws {
        let server = try ScriptedHTTPServer.start([
            "/submit": .respond(status: 303, headers: [("Location", "/result")]),
            "/result": .respond(status: 200),
        ])
        defer { server.stop() }
        var request = plain(server.url("/submit"), maxRedirects: 1)
        request.method = .post
        request.body = Array("secret=1".utf8)
        request.headers = [("Content-Type", "application/x-www-form-urlencoded")]

        _ = try await client.send(request)

        let followed = try #require(server.requests("/result").first)
        #expect(followed.method == "GET")
        #expect(followed.body.isEmpty)
        #expect(followed.headers["content-type"] == nil)
    }

    @Test func errorMessagesNameTheURLWithoutQueryOrUserinfo() async throws {
        let server = try ScriptedHTTPServer.start([
            "/hang": .hang,
            "/redirect": .respond(status: 302, headers: [("Location", "http://localhost:1/x?next=hunter2")]),
        ])
        defer { server.stop() }
        let port = try LoopbackSocket.unusedPort()
        var timingOut = plain("http://admin:hunter2@127.0.0.1:\(server.port)/hang?token=hunter2")
        timingOut.totalTimeout = .milliseconds(300)

        let errors = [
            await failure(timingOut),
            await failure(plain("http://127.0.0.1:\(port)/jwks?access_token=hunter2")),
            await failure(CurlRequest(url: "http://127.0.0.1:\(port)/jwks?access_token=hunter2")),
            await failure(plain(server.url("/redirect?token=hunter2"), maxRedirects: 1)),
        ]

        #expect(errors[0]?.message.contains("http://127.0.0.1:\(server.port)/hang") == true)
        #expect(errors[1]?.message.contains("http://127.0.0.1:\(port)/jwks") == true)
        for error in errors {
            let error = try #require(error)
            #expect(!error.message.contains("hunter2"), "\(error.message)")
            #expect(!error.message.contains("admin"), "\(error.message)")
        }
    }
}

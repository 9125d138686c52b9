import CurlClient
import Foundation
import LessorCore
import LessorTestSupport
import Testing

@Suite("CurlHTTPClient over TLS")
struct CurlHTTPClientTLSTests {
    private static let certs = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("certs-dev")

    @Test func httpsVerifiesAgainstTheConfiguredCABundleOnly() async throws {
        let port = try LoopbackSocket.unusedPort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = [
            "openssl", "s_server", "-quiet", "-www", "-accept", "127.0.0.1:\(port)",
            "-cert", Self.certs.appendingPathComponent("server.pem").path,
            "-key", Self.certs.appendingPathComponent("server-key.pem").path,
        ]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            // SIGKILL: the child inherits the test thread's signal mask, which may block SIGTERM.
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
        }
        let clock = ContinuousClock()
        let started = clock.now
        while !LoopbackSocket.canConnect(port: port), clock.now - started < .seconds(10) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let client = CurlHTTPClient()
        let url = "https://127.0.0.1:\(port)/"

        let trusted = try await client.send(
            CurlRequest(url: url, caBundlePath: Self.certs.appendingPathComponent("ca.pem").path))
        let untrusted = await #expect(throws: LessorError.self) {
            try await client.send(CurlRequest(url: url))
        }

        #expect(trusted.status == 200)
        #expect(untrusted?.code == .upstreamFailure)
        #expect(untrusted?.message.contains("TLS") == true)
    }
}

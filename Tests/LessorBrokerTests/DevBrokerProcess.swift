import CurlClient
import Foundation
import Glibc
import LessorCore
import LessorTestSupport

/// `lessor dev` as a real child process on a free loopback port, with the repository's example
/// policies and development certificates. Stopped (SIGKILL if need be) by the test that started it.
final class DevBrokerProcess {
    let port: Int
    let dataDirectory: String
    let process = Process()
    private let output = Pipe()

    static var repository: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }
    var address: String { "https://127.0.0.1:\(port)" }
    var caBundle: String { "\(Self.repository)/certs-dev/ca.pem" }

    /// Starts the broker and returns once it printed its banner (it is listening and ready).
    init(dataDirectory: String, port: Int? = nil, pendingGraceSeconds: Int = 1) async throws {
        self.dataDirectory = dataDirectory
        self.port = try port ?? Int(LoopbackSocket.unusedPort())
        process.executableURL = try LessorExecutable.url()
        process.currentDirectoryURL = URL(fileURLWithPath: Self.repository)
        process.arguments = [
            "dev", "--port", "\(self.port)", "--data-dir", dataDirectory, "--pending-grace-seconds",
            "\(pendingGraceSeconds)",
        ]
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let descriptor = output.fileHandleForReading.fileDescriptor
        try await onOwnThread {
            var text = ""
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !text.contains("Offboard tenant") {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
                guard count > 0 else { throw LessorError(.internalFailure, "lessor dev exited before it was ready") }
                text += String(decoding: buffer[0..<count], as: UTF8.self)
            }
        }
    }

    func token(_ name: String = "token") throws -> String {
        try String(contentsOfFile: "\(dataDirectory)/\(name)", encoding: .utf8)
    }

    /// What a client needs to call this broker; safe to share between tasks.
    var endpoint: Endpoint { Endpoint(address: address, caBundle: caBundle) }

    struct Endpoint: Sendable {
        let address: String
        let caBundle: String

        /// One HTTP call with a bearer token; the status and the parsed JSON body.
        func call(_ path: String, token: String, json: [String: JSONValue]? = nil) async throws -> (Int, JSONValue?) {
            let response = try await CurlHTTPClient().send(
                CurlRequest(
                    url: address + path, method: json == nil ? .get : .post,
                    headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                    body: json.map { AuditCanonicalJSON.encode(.object($0)) }, caBundlePath: caBundle,
                    totalTimeout: .seconds(60)))
            return (response.status, try? JSONParser.parse(response.body))
        }
    }

    func kill() async {
        Glibc.kill(process.processIdentifier, SIGKILL)
        await process.exited()
    }

    func stop() async {
        await process.stop(grace: .seconds(30))
    }
}

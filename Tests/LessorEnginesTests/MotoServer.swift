import Foundation
import Glibc
import LessorCore

/// moto's server (`python3 -m moto.server`) on a free 127.0.0.1 port, standing in for AWS STS,
/// IAM and DynamoDB. `run` starts it, waits until it accepts connections, and stops it when the
/// body returns or throws, so no test leaves one behind.
final class MotoServer: @unchecked Sendable {
    let port: Int
    private let process: Process
    private let logFile: String
    /// moto's request recording, kept apart from other servers' (moto's default is `./moto_recording`).
    private let recordingFile: String

    var endpoint: String { "http://127.0.0.1:\(port)" }

    static func run<T>(_ body: (MotoServer) async throws -> T) async throws -> T {
        let server = try await MotoServer()
        do {
            let result = try await body(server)
            server.stop()
            return result
        } catch {
            server.stop()
            throw error
        }
    }

    private init() async throws {
        let check = try runPython("import moto.server", input: [])
        guard check.status == 0 else {
            throw LessorError(
                .internalFailure,
                "moto's server is not installed for python3; install it with: pip install 'moto[server]' boto3 (scripts/setup-debian.sh does)"
            )
        }
        port = try Self.freePort()
        logFile = NSTemporaryDirectory() + "lessor-moto-\(port)-\(UUID().uuidString).log"
        recordingFile = NSTemporaryDirectory() + "lessor-moto-\(port)-\(UUID().uuidString).recording"
        guard FileManager.default.createFile(atPath: logFile, contents: nil) else {
            throw LessorError(.internalFailure, "cannot create \(logFile)")
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        defer { try? log.close() }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        process.environment = ProcessInfo.processInfo.environment.merging(["MOTO_RECORDER_FILEPATH": recordingFile]) {
            _, new in new
        }
        try process.run()
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw LessorError(.internalFailure, "moto_server exited before it listened:\n\(logTail())")
            }
            if Self.accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw LessorError(.internalFailure, "moto_server did not listen on \(port) within 60 s:\n\(logTail())")
    }

    /// SIGTERM, then SIGKILL after 10 s; waits for the process to end.
    func stop() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: logFile)
        try? FileManager.default.removeItem(atPath: recordingFile)
    }

    func logTail() -> String {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    /// Runs a boto3 script with `ENDPOINT` bound to this server and `spec` the JSON read from
    /// stdin; returns the JSON it prints.
    func boto3(_ script: String, spec: JSONValue = .object([:])) throws -> JSONValue {
        let prelude = """
            import base64, json, sys, urllib.request
            import boto3, botocore
            ENDPOINT = "\(endpoint)"
            spec = json.load(sys.stdin)
            def client(service, access_key="AKIASETUP", secret="setup", token=None):
                return boto3.client(service, endpoint_url=ENDPOINT, region_name="us-east-1",
                    aws_access_key_id=access_key, aws_secret_access_key=secret, aws_session_token=token)
            def moto_api(path, data=None):
                # Not form-encoded: moto reads the raw body (reset-auth takes a bare number).
                request = urllib.request.Request(ENDPOINT + path, data=data, method="POST" if data is not None else "GET",
                    headers={"Content-Type": "text/plain"})
                return urllib.request.urlopen(request).read()

            """
        let result = try runPython(prelude + script, input: AuditCanonicalJSON.encode(spec))
        guard result.status == 0 else {
            throw LessorError(.internalFailure, "the boto3 script failed:\n\(result.errors.suffix(3000))")
        }
        return try JSONParser.parse(result.output)
    }

    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw LessorError(.internalFailure, "socket() failed") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw LessorError(.internalFailure, "cannot bind a free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func accepts(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// Runs `script` with python3 from PATH, `input` on stdin.
func runPython(_ script: String, input: [UInt8]) throws -> (
    status: Int32, output: [UInt8], errors: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(Data(input))
    try stdin.fileHandleForWriting.close()
    // stderr is read on its own thread so that neither pipe can fill and block the script.
    let errorsBox = ErrorText()
    let reader = Thread { errorsBox.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errors = errorsBox.wait()
    return (process.terminationStatus, Array(output), String(decoding: errors, as: UTF8.self))
}

private final class ErrorText: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    func set(_ value: Data) {
        data = value
        done.signal()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

import CurlClient
import Foundation
import Glibc
import LessorCore
import LessorCrypto
import LessorIdentity
import LessorTestSupport
import Testing

/// `lessor server --config <file>` as a real child process on a free loopback port, over plain
/// HTTP (`server.tls.disabled_for_loopback`) or, given a `tls:` block, HTTPS, with an issuer read
/// from a JWKS file. `start()` returns once `/v1/ready` answers 200;
/// `stop()` sends SIGTERM (so the audit log closes) and is safe to call more than once.
final class ServerProcess: @unchecked Sendable {
    let name: String
    let port: Int
    /// Keys, audit log and (for SQLite) the store of this replica.
    let dataDirectory: String
    let configurationFile: String
    /// The child's stdout and stderr, for the failure messages.
    let logFile: String
    /// The CA that signed the server's certificate, for HTTPS servers.
    let caBundle: String?
    /// Added to the child's environment and to `server --config <file>`; set before `start()`.
    var environment: [String: String] = [:]
    var arguments: [String] = []
    private let process = Process()

    var address: String { "\(caBundle == nil ? "http" : "https")://127.0.0.1:\(port)" }
    var endpoint: HTTPEndpoint { HTTPEndpoint(address: address, caBundle: caBundle) }
    var processIdentifier: Int32 { process.processIdentifier }

    /// Writes the configuration into `root`; nothing runs until `start()`. `store` is the YAML
    /// value of `store:` (nil for the default SQLite file in the data directory); `extra` is
    /// appended as further top-level settings and `serverSettings` (such as `idle_timeout: 2s`)
    /// under `server:`. `tls` is the YAML flow mapping of `server.tls`, with `caBundle` the CA that
    /// signed its certificate. The server logs JSON lines at `logLevel` into `logFile`. Intents are
    /// swept after `pendingGrace`, which must be longer than an upstream engine's longest issue.
    init(
        name: String, root: String, jwksFile: String, policies: String, store: String? = nil, extra: String = "",
        tls: (settings: String, caBundle: String)? = nil, logLevel: String = "warning", serverSettings: [String] = [],
        pendingGrace: String = "1s"
    ) throws {
        self.name = name
        caBundle = tls?.caBundle
        port = Int(try LoopbackSocket.unusedPort())
        dataDirectory = "\(root)/\(name)"
        configurationFile = "\(root)/\(name).yaml"
        logFile = "\(root)/\(name).log"
        try FileManager.default.createDirectory(
            atPath: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let configuration = """
            server:
              address: 127.0.0.1
              port: \(port)
              tls: \(tls?.settings ?? "{disabled_for_loopback: true}")
            \(serverSettings.map { "  \($0)\n" }.joined())log:
              level: \(logLevel)
            issuers:
              - issuer: \(StaticIssuer.url)
                jwks_file: \(jwksFile)
                audiences: [lessor]
                algorithms: [RS256]
            policies: \(policies)
            data_dir: \(dataDirectory)
            \(store.map { "store: \($0)" } ?? "")
            leases:
              sweep_interval: 1s
              pending_grace: \(pendingGrace)
            \(extra)
            """
        try configuration.write(toFile: configurationFile, atomically: true, encoding: .utf8)
    }

    /// Starts the server and waits until it is ready (its issuer's keys are loaded).
    func start() async throws {
        guard FileManager.default.createFile(atPath: logFile, contents: nil) else {
            throw LessorError(.internalFailure, "cannot create \(logFile)")
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        defer { try? log.close() }
        process.executableURL = try LessorExecutable.url()
        process.arguments = ["server", "--config", configurationFile] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, own in own }
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw LessorError(.internalFailure, "lessor server \(name) exited before it was ready:\n\(logTail())")
            }
            if let reply = try? await endpoint.send("/v1/ready", method: .get, token: nil), reply.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        await stop()
        throw LessorError(.internalFailure, "lessor server \(name) was not ready within 90 s:\n\(logTail())")
    }

    var isRunning: Bool { process.isRunning }

    /// Waits until the process has ended on its own and returns the signal that ended it, or nil
    /// when it exited.
    func exited() async -> Int32? {
        await process.exited()
        return process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil
    }

    /// SIGTERM and a graceful shutdown (the audit log is closed), SIGKILL after 30 s.
    /// Returns the exit status: 0 after a clean graceful shutdown.
    @discardableResult
    func stop() async -> Int32 {
        await process.stop(grace: .seconds(30))
        return process.processIdentifier == 0 ? 0 : process.terminationStatus
    }

    /// `stop()` for a `defer`: returns at once, the process ends on a thread of its own.
    func stopDetached() {
        process.stopDetached(grace: .seconds(30))
    }

    /// `lessor audit verify` of this broker's file log (`audit/log` in its data directory) with its
    /// public key and `options`: the exit status and what it printed.
    func verifyAudit(_ options: [String] = []) async throws -> (status: Int32, report: String) {
        let result = try await ChildProcess.run(
            try LessorExecutable.url().path,
            [
                "audit", "verify", "\(dataDirectory)/audit/log", "--public-key",
                "\(dataDirectory)/audit/keys/public-key.json",
            ] + options)
        return (result.status, String(decoding: result.output, as: UTF8.self) + result.errors)
    }

    func logTail() -> String {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(30).joined(separator: "\n")
    }

    /// Every record of this server's audit log (`<data_dir>/audit/log/*.jsonl`), in file order.
    /// Read it after `stop()`, when the log is closed.
    func auditRecords() throws -> [[String: JSONValue]] {
        let directory = "\(dataDirectory)/audit/log"
        var records: [[String: JSONValue]] = []
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }
        for file in files.sorted() {
            let text = try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
            for line in text.split(separator: "\n") {
                if let object = try JSONParser.parse(Array(line.utf8)).objectValue { records.append(object) }
            }
        }
        return records
    }

    /// The servers load the use-case tests' bundle (`BrokerFixture.bundle`), whose bindings
    /// trust `StaticIssuer.url`.
    static var bundle: String { BrokerFixture.bundle }

    /// Writes `bundle` into `<root>/policies` and returns that directory.
    static func writePolicies(into root: String, bundle: String = bundle) throws -> String {
        let directory = "\(root)/policies"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try bundle.write(toFile: "\(directory)/bundle.yaml", atomically: true, encoding: .utf8)
        return directory
    }
}

/// The issuer `https://issuer.test`, whose public key the broker reads from a JWKS file: the
/// test holds the private key and mints any token it needs.
struct StaticIssuer: Sendable {
    static let url = "https://issuer.test"
    let signingKey: SigningKey
    let keyID: String

    init(keyID: String = "test-\(SecureRandom.identifier(byteCount: 6))") throws {
        signingKey = try SigningKey.generateRSA(bits: 2048)
        self.keyID = keyID
    }

    /// Writes the public key set to `path` and returns `path`.
    func writeJWKS(to path: String) throws -> String {
        let jwks = JSONWebKeySet(keys: [signingKey.publicJWK(keyID: keyID, algorithm: .rs256)])
        try JSONEncoder().encode(jwks).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A projected service-account token of `account` in namespace `tenant-<tenant>`.
    func workload(_ tenant: String, account: String = "app", issuedAt: Date = Date(), lifetime: TimeInterval = 3600)
        throws -> String
    {
        try sign(
            TokenMinter.serviceAccountClaims(
                issuer: Self.url, namespace: "tenant-\(tenant)", serviceAccount: account, audiences: ["lessor"],
                now: issuedAt, lifetime: lifetime))
    }

    /// A token with only `sub`; `platform-admin` is the bundle's global admin.
    func subject(_ subject: String) throws -> String {
        let now = Date().timeIntervalSince1970.rounded(.down)
        return try sign([
            "iss": .string(Self.url), "sub": .string(subject), "aud": .string("lessor"), "iat": .number(now),
            "exp": .number(now + 3600),
        ])
    }

    func sign(_ claims: [String: JSONValue]) throws -> String {
        try TokenMinter.sign(
            header: ["alg": .string("RS256"), "kid": .string(keyID)], claims: claims, with: signingKey,
            algorithm: .rs256)
    }
}

/// A broker's address and the calls the tests make to it.
struct HTTPEndpoint: Sendable {
    let address: String
    var caBundle: String?
    /// PEM client certificate and key presented in the TLS handshake (mTLS).
    var clientCertificate: (certificate: String, key: String)?

    init(address: String, caBundle: String? = nil, clientCertificate: (certificate: String, key: String)? = nil) {
        self.address = address
        self.caBundle = caBundle
        self.clientCertificate = clientCertificate
    }

    /// One answer: status, lowercased headers and body.
    struct Reply: Sendable {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSONValue? { try? JSONParser.parse(body) }
        /// `error.code` of an API error body.
        var errorCode: String? { json?["error"]?["code"]?.stringValue }
        var requestID: String? { json?["error"]?["request_id"]?.stringValue ?? json?["request_id"]?.stringValue }
    }

    func send(
        _ path: String, method: CurlRequest.Method = .post, token: String?, headers: [(String, String)] = [],
        body: [UInt8]? = nil
    ) async throws -> Reply {
        var fields = headers.map { (name: $0.0, value: $0.1) }
        if let token { fields.append((name: "Authorization", value: "Bearer \(token)")) }
        let response = try await CurlHTTPClient().send(
            CurlRequest(
                url: address + path, method: method, headers: fields, body: body, caBundlePath: caBundle,
                clientCertificatePath: clientCertificate?.certificate, clientKeyPath: clientCertificate?.key,
                totalTimeout: .seconds(60), allowPlainHTTP: true))
        return Reply(status: response.status, headers: response.headers, body: response.body)
    }

    /// A JSON POST when `json` is given, else a GET.
    func call(_ path: String, token: String?, json: [String: JSONValue]? = nil) async throws -> Reply {
        try await send(
            path, method: json == nil ? .get : .post, token: token,
            headers: [("Content-Type", "application/json")], body: json.map { AuditCanonicalJSON.encode(.object($0)) })
    }

    /// A form POST (`application/x-www-form-urlencoded`), names and values percent-encoded.
    func form(_ path: String, _ fields: [(String, String)], headers: [(String, String)] = []) async throws -> Reply {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text }
        let body = fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        return try await send(
            path, token: nil, headers: headers + [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array(body.utf8))
    }

    /// `POST /v1/creds/token/audiences/<account>` with an optional TTL in seconds.
    func exchange(_ token: String, account: String = "app", ttl: Int? = nil) async throws -> Reply {
        try await call(
            "/v1/creds/token/audiences/\(account)", token: token, json: ttl.map { ["ttl": .number(Double($0))] } ?? [:])
    }

    /// Every lease the token's tenant and binding hold, paging through `GET /v1/leases`.
    func leases(_ token: String) async throws -> [String: String] {
        var states: [String: String] = [:]
        var after: String?
        repeat {
            let reply = try await call(
                "/v1/leases?limit=1000" + (after.map { "&after=\($0)" } ?? ""), token: token)
            guard reply.status == 200, case .array(let leases)? = reply.json?["leases"] else {
                throw LessorError(.internalFailure, "GET /v1/leases answered \(reply.status): \(reply.text)")
            }
            for lease in leases {
                if let id = lease["lease_id"]?.stringValue { states[id] = lease["state"]?.stringValue }
            }
            after = reply.json?["next"]?.stringValue
        } while after != nil
        return states
    }
}

/// One HTTP/1.1 request written byte for byte over a plain socket, so the target is sent exactly
/// as given (curl would resolve `..` segments before sending).
enum RawHTTP {
    static func send(port: Int, method: String, target: String, headers: [(String, String)], body: [UInt8]) throws
        -> HTTPEndpoint.Reply
    {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw LessorError(.internalFailure, "socket() failed") }
        defer { close(socket) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw LessorError(.internalFailure, "cannot connect to 127.0.0.1:\(port)") }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        head += "Content-Length: \(body.count)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw LessorError(.internalFailure, "send() failed") }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else {
            throw LessorError(.internalFailure, "no HTTP answer from 127.0.0.1:\(port)")
        }
        let lines = text[..<split.lowerBound].split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "")
        else { throw LessorError(.internalFailure, "malformed status line") }
        var fields: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 {
                fields[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return HTTPEndpoint.Reply(status: status, headers: fields, body: Array(text[split.upperBound...].utf8))
    }
}

/// A new, empty database on the test cluster (`LESSOR_TEST_POSTGRES_URL`, which the test command
/// sets after starting PostgreSQL), created and dropped with `psql`. A missing URL fails the test.
struct ScratchPostgresDatabase {
    let name: String
    /// The URL brokers use: the cluster's URL with this database as its path.
    let url: String
    private let clusterURL: String

    static func create(sourceLocation: Testing.SourceLocation = #_sourceLocation) async throws
        -> ScratchPostgresDatabase
    {
        let variable = "LESSOR_TEST_POSTGRES_URL"
        let clusterURL = try #require(
            ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 },
            """
            \(variable) is not set: run the tests with scripts/test.sh, or start a database with \
            `export \(variable)=$(scripts/postgres-test.sh start)`
            """,
            sourceLocation: sourceLocation)
        let name = "lessor_replicas_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        var components = try #require(URLComponents(string: clusterURL), "\(variable) is not a URL")
        components.path = "/\(name)"
        let database = ScratchPostgresDatabase(name: name, url: try #require(components.string), clusterURL: clusterURL)
        try await database.psql("CREATE DATABASE \(name)")
        return database
    }

    /// Drops the database, closing the connections still open to it.
    func drop() async {
        try? await psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    private func psql(_ statement: String) async throws {
        let installed = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        let candidates =
            installed.sorted { $0.compare($1, options: .numeric) == .orderedDescending }
            .map { "/usr/lib/postgresql/\($0)/bin/psql" } + ["/usr/bin/psql"]
        guard let psql = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw LessorError(.internalFailure, "psql is not installed (scripts/postgres-test.sh installs it)")
        }
        let result = try await ChildProcess.run(
            psql, ["--no-psqlrc", "-q", "-v", "ON_ERROR_STOP=1", "-d", clusterURL, "-c", statement])
        guard result.status == 0 else {
            throw LessorError(.internalFailure, "psql failed on '\(statement)': \(result.errors)")
        }
    }
}

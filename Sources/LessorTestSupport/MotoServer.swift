public import Foundation
import Glibc
public import LessorCore

/// moto's server (`python3 -m moto.server`) on a free 127.0.0.1 port, standing in for AWS STS,
/// IAM and DynamoDB. `run` starts it, waits until it accepts connections, and stops it when the
/// body returns or throws, so no test leaves one behind.
public final class MotoServer: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let logFile: String
    /// moto's request recording, kept apart from other servers' (moto's default is `./moto_recording`).
    private let recordingFile: String

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public static func run<T>(_ body: (MotoServer) async throws -> T) async throws -> T {
        let server = try await MotoServer()
        return try await withCleanup {
            try await body(server)
        } cleanup: {
            await server.stop()
        }
    }

    private init() async throws {
        let check = try await ChildProcess.python("import moto.server")
        guard check.status == 0 else {
            throw LessorError(
                .internalFailure,
                "moto's server is not installed for python3; install it with: pip install 'moto[server]' boto3 (scripts/test.sh puts them in .venv)"
            )
        }
        port = Int(try LoopbackSocket.unusedPort())
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
            if LoopbackSocket.canConnect(port: UInt16(port)) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        await stop()
        throw LessorError(.internalFailure, "moto_server did not listen on \(port) within 60 s:\n\(logTail())")
    }

    /// SIGTERM, then SIGKILL after 10 s; waits for the process to end.
    public func stop() async {
        await process.stop(grace: .seconds(10))
        try? FileManager.default.removeItem(atPath: logFile)
        try? FileManager.default.removeItem(atPath: recordingFile)
    }

    public func logTail() -> String {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    /// Runs a boto3 script with `ENDPOINT` bound to this server and `spec` the JSON read from
    /// stdin; returns the JSON it prints.
    public func boto3(_ script: String, spec: JSONValue = .object([:])) async throws -> JSONValue {
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
        let result = try await ChildProcess.python(prelude + script, input: AuditCanonicalJSON.encode(spec))
        guard result.status == 0 else {
            throw LessorError(
                .internalFailure,
                "the boto3 script failed:\n\(result.errors.suffix(3000))\nmoto's log ends:\n\(logTail())")
        }
        return try JSONParser.parse(result.output)
    }

    /// An access key pair of moto's IAM.
    public struct Keys: Sendable {
        public let accessKeyID: String
        public let secretAccessKey: String
    }

    /// In moto: the broker's IAM user `lessor` (may assume `acme-*` roles and manage role
    /// policies), the role `acme-deployer` trusting it with full DynamoDB access; then IAM
    /// checking on and request recording started. Returns the user's keys.
    ///
    /// Under a loaded test run moto has once answered one of these calls with an error and an
    /// empty body, which boto3 cannot parse; the set-up is then reset and tried again, up to three
    /// times in all, and the last failure (with moto's log) is thrown.
    public func prepareBrokerUser() async throws -> Keys {
        var attempt = 1
        while true {
            do {
                return try await prepareBrokerUserOnce()
            } catch  where attempt < 3 {
                attempt += 1
                _ = try await boto3("moto_api(\"/moto-api/reset\", b\"\")\nprint(\"{}\")")
            }
        }
    }

    private func prepareBrokerUserOnce() async throws -> Keys {
        let keys = try await boto3(
            """
            iam = client("iam")
            iam.create_user(UserName="lessor")
            iam.put_user_policy(UserName="lessor", PolicyName="broker", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::123456789012:role/acme-*"},
                    {"Effect": "Allow", "Action": ["iam:PutRolePolicy", "iam:GetRolePolicy"], "Resource": "*"}]}))
            key = iam.create_access_key(UserName="lessor")["AccessKey"]
            trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:user/lessor"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
            iam.create_role(RoleName="acme-deployer", AssumeRolePolicyDocument=json.dumps(trust))
            iam.put_role_policy(RoleName="acme-deployer", PolicyName="tables", PolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))
            moto_api("/moto-api/reset-auth", b"0")
            moto_api("/moto-api/recorder/start-recording", b"")
            print(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
            """)
        return Keys(
            accessKeyID: keys.objectValue?["id"]?.stringValue ?? "",
            secretAccessKey: keys.objectValue?["secret"]?.stringValue ?? "")
    }
}

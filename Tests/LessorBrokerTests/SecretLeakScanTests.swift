import Foundation
import LessorCore
import LessorTestSupport
import Testing

/// A real `lessor server` logging JSON at debug level runs every exchange path and its refusals;
/// then its stdout and stderr and its audit files are searched for every secret the test
/// presented or received, every key the broker holds, and the lease ids (which the audit log
/// keeps only as keyed hashes).
@Suite("No secret in logs or audit records", .serialized)
struct SecretLeakScanTests {
    @Test("the scan finds a planted secret in each form it looks for, and nothing in clean text")
    func scanFindsPlantedSecrets() throws {
        var scan = SecretScan()
        let jwt = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJlLW9mLWEtdGVzdC10b2tlbg"
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let key = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80"
        scan.add("jwt", jwt)
        scan.add("aws secret", secret)
        scan.addKey("hmac key", base64url: key)
        let keyBytes = try #require(Base64URL.decode(key))
        let clean = #"{"level":"info","message":"credential issued","request_id":"r1","tenant_id":"acme"}"#
        #expect(scan.findings(in: clean, source: "clean").isEmpty)
        let planted: [(String, String)] = [
            (#"{"message":"token refused","token":"\#(jwt)"}"#, "jwt"),
            ("authorization: Bearer x.y.\(jwt.split(separator: ".")[2])", "jwt (signature)"),
            (#"{"secret":"\#(secret.replacingOccurrences(of: "/", with: "\\/"))"}"#, "aws secret"),
            (
                "body=SecretAccessKey%3D\(secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                "aws secret"
            ),
            ("key=\(Data(keyBytes).base64EncodedString())", "hmac key"),
            ("key=\(keyBytes.map { String(format: "%02x", $0) }.joined())", "hmac key"),
        ]
        for (text, name) in planted {
            #expect(scan.findings(in: text, source: "sample").contains("\(name) in sample"), "\(text)")
        }
    }

    @Test("native, RFC 8693 and STS exchanges and their refusals leave no secret in logs or audit files")
    func fullFlow() async throws {
        try await STSEnvironment.run(logLevel: "debug") { env in
            var scan = SecretScan()
            scan.add("broker's upstream AWS secret key", env.keys.secretAccessKey)
            try await Self.exercise(env, scan: &scan)
            await env.server.stop()

            let data = env.server.dataDirectory
            for file in ["\(data)/broker.key", "\(data)/audit/keys/signing.key", "\(data)/audit/keys/hash.key"] {
                try scan.addKeyFile(file)
            }
            let tokenKeys = try FileManager.default.contentsOfDirectory(atPath: "\(data)/token-keys")
                .filter { $0.hasSuffix(".json") }
            try #require(!tokenKeys.isEmpty, "the token engine's signing key is on disk")
            for file in tokenKeys { try scan.addKeyFile("\(data)/token-keys/\(file)") }

            let log = try String(contentsOfFile: env.server.logFile, encoding: .utf8)
            Self.checkLogLines(log)
            var findings = scan.findings(in: log, source: "the server's stdout and stderr")
            let auditDirectory = "\(data)/audit/log"
            let auditFiles = try FileManager.default.contentsOfDirectory(atPath: auditDirectory).sorted()
            try #require(!auditFiles.isEmpty)
            for file in auditFiles {
                let text = try String(contentsOfFile: "\(auditDirectory)/\(file)", encoding: .utf8)
                findings += scan.findings(in: text, source: "audit file \(file)")
            }
            #expect(findings.isEmpty, "secrets found:\n\(findings.joined(separator: "\n"))")
            #expect(scan.names.count >= 15, "secrets scanned for: \(scan.names.sorted())")
        }
    }

    /// Every line is one JSON object with the fixed members; request-scoped lines carry the
    /// request id, and the issuing lines and a tenant's refusals the tenant.
    static func checkLogLines(_ log: String) {
        let lines = log.split(separator: "\n")
        #expect(lines.count > 10, "debug logging wrote \(lines.count) lines")
        var records: [[String: JSONValue]] = []
        for line in lines {
            let record = try? JSONParser.parse(Array(line.utf8)).objectValue
            #expect(record != nil, "not a JSON object: \(line.prefix(300))")
            if let record { records.append(record) }
        }
        for record in records {
            #expect(
                ["time", "level", "label", "message"].allSatisfy { record[$0]?.stringValue != nil },
                "\(record)")
        }
        let issued = records.filter { $0["message"]?.stringValue == "credential issued" }
        #expect(!issued.isEmpty)
        #expect(issued.allSatisfy { $0["tenant_id"]?.stringValue == "acme" && $0["request_id"] != nil })
        let refused = records.filter { $0["message"]?.stringValue == "token refused" }
        #expect(!refused.isEmpty)
        #expect(refused.allSatisfy { $0["request_id"]?.stringValue?.isEmpty == false })
        let tenantRefusals = records.filter {
            $0["message"]?.stringValue == "refusal recorded" && $0["tenant_id"]?.stringValue == "acme"
        }
        #expect(!tenantRefusals.isEmpty, "another tenant's role, refused under acme")
        #expect(tenantRefusals.allSatisfy { $0["request_id"]?.stringValue?.isEmpty == false })
    }

    /// Each exchange path once with success and with refused tokens; every token presented and
    /// every credential received is added to `scan`.
    static func exercise(_ env: STSEnvironment, scan: inout SecretScan) async throws {
        let server = env.server
        let forger = try StaticIssuer(keyID: env.issuer.keyID)
        let workload = try env.issuer.workload("acme")
        let expired = try env.issuer.workload("acme", issuedAt: Date().addingTimeInterval(-7200), lifetime: 3600)
        let forged = try forger.workload("acme")
        for (name, token) in [("workload token", workload), ("expired token", expired), ("forged token", forged)] {
            scan.add(name, token)
        }

        // Native API: the token engine and the aws engine.
        let native = try await server.endpoint.exchange(workload, ttl: 300)
        try #require(native.status == 200, "\(native.text)")
        scan.add("token engine JWT", try #require(native.json?["data"]?["token"]?.stringValue))
        scan.add("lease id", try #require(native.json?["lease_id"]?.stringValue))
        let aws = try await server.endpoint.call("/v1/creds/aws/roles/deployer", token: workload, json: [:])
        try #require(aws.status == 200, "\(aws.text)")
        let secret = try #require(aws.json?["data"]?["secret_access_key"]?.stringValue)
        let session = try #require(aws.json?["data"]?["session_token"]?.stringValue)
        scan.add("issued AWS secret key", secret)
        scan.add("issued AWS session token", session)
        scan.add("lease id", try #require(aws.json?["lease_id"]?.stringValue))
        for refused in [expired, forged, "not.a.token"] {
            #expect(try await server.endpoint.exchange(refused).status == 401)
        }

        // RFC 8693.
        let exchange = try await post(
            server, "/v1/token",
            [
                ("grant_type", TokenExchangeHTTPTests.grantType), ("subject_token", workload),
                ("subject_token_type", TokenExchangeHTTPTests.jwt), ("audience", "app"),
            ])
        try #require(exchange.status == 200, "\(exchange.text)")
        scan.add("RFC 8693 access token", try #require(exchange.json?["access_token"]?.stringValue))
        scan.add("lease id", try #require(exchange.json?["lease_id"]?.stringValue))
        for refused in [expired, forged] {
            let reply = try await post(
                server, "/v1/token",
                [
                    ("grant_type", TokenExchangeHTTPTests.grantType), ("subject_token", refused),
                    ("subject_token_type", TokenExchangeHTTPTests.jwt), ("audience", "app"),
                ])
            #expect(reply.status == 400)
        }

        // STS AssumeRoleWithWebIdentity, then GetCallerIdentity signed with what it issued.
        func assume(_ token: String, role: String = STSClientTests.acmeRole) async throws -> HTTPEndpoint.Reply {
            try await post(
                server, "/",
                [
                    ("Version", "2011-06-15"), ("Action", "AssumeRoleWithWebIdentity"), ("RoleArn", role),
                    ("RoleSessionName", "scan"), ("WebIdentityToken", token),
                ])
        }
        let assumed = try await assume(workload)
        try #require(assumed.status == 200, "\(assumed.text)")
        let stsSecret = try #require(element("SecretAccessKey", in: assumed.text))
        let stsSession = try #require(element("SessionToken", in: assumed.text))
        let stsKey = try #require(element("AccessKeyId", in: assumed.text))
        scan.add("STS secret key", stsSecret)
        scan.add("STS session token", stsSession)
        #expect(try await assume(expired).status == 400)
        #expect(try await assume(forged).status == 400)
        #expect(try await assume(workload, role: STSClientTests.globexRole).status == 403)
        let caller = try await env.moto.boto3(
            """
            sts = boto3.client("sts", region_name="us-east-1", endpoint_url=spec["lessor"],
                aws_access_key_id=spec["id"], aws_secret_access_key=spec["secret"], aws_session_token=spec["token"])
            print(json.dumps({"arn": sts.get_caller_identity()["Arn"]}))
            """,
            spec: .object([
                "lessor": .string(server.address), "id": .string(stsKey), "secret": .string(stsSecret),
                "token": .string(stsSession),
            ]))
        #expect(caller["arn"]?.stringValue?.contains("acme-deployer") == true, "\(caller)")
    }

    static func post(_ server: ServerProcess, _ path: String, _ fields: [(String, String)]) async throws
        -> HTTPEndpoint.Reply
    {
        try await server.endpoint.form(path, fields)
    }

    /// The text of the first `<name>` element of an STS answer.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"),
            let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex)
        else { return nil }
        return String(xml[open.upperBound..<close.lowerBound])
    }
}

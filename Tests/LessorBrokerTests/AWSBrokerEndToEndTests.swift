import Foundation
import LessorAudit
import LessorBroker
import LessorCore
import LessorEngines
import LessorTestSupport
import Testing

/// A real `lessor server` with `engines.aws` pointing at moto (STS, IAM and DynamoDB, IAM checking
/// on): a workload's token becomes AWS credentials that work, boto3 gets them itself through
/// `credential_process = lessor exchange --format aws-credential-process`, and offboarding puts
/// the revoke-older-sessions deny on the tenant's role and lists it in the deletion certificate.
@Suite("AWS engine in the broker, end to end against moto")
struct AWSBrokerEndToEndTests {
    static let sessionPolicy = """
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*",
          "Resource": "arn:aws:dynamodb:*:*:table/{{tenant}}-*"}]}
        """

    /// The servers' bundle with the `aws` engine allowed to class `basic` and
    /// `aws/roles/deployer` readable by every tenant's workloads.
    static func writePolicies(into root: String) throws -> String {
        let directory = try ServerProcess.writePolicies(into: root)
        let bundle = ServerProcess.bundle
            .replacingOccurrences(
                of: "engines: [token, refusing, access-keys]", with: "engines: [token, refusing, access-keys, aws]"
            )
            .replacingOccurrences(
                of: "      - path: refusing/things/*\n",
                with:
                    "      - path: aws/roles/deployer\n        capabilities: [read]\n      - path: refusing/things/*\n")
        #expect(bundle.contains("aws/roles/deployer") && bundle.contains("access-keys, aws]"))
        try bundle.write(toFile: "\(directory)/bundle.yaml", atomically: true, encoding: .utf8)
        return directory
    }

    /// Longer than the engine's longest issue (two calls of `timeout` each), as configuration requires.
    static let pendingGrace = "25s"

    static func engineSection(moto: MotoServer, credentialsFile: String) -> String {
        """
        engines:
          aws:
            sts_region: us-east-1
            sts_endpoint: \(moto.endpoint)
            iam_endpoint: \(moto.endpoint)
            timeout: 10s
            credentials: {source: shared_file, path: \(credentialsFile), profile: lessor}
            roles:
              - name: deployer
                role_arn: "arn:aws:iam::123456789012:role/{{tenant}}-deployer"
                max_duration: 1h
                session_policy_file: deployer-policy.json
        """
    }

    @Test("exchange, credential_process and offboarding through a lessor server against moto")
    func endToEnd() async throws {
        try await MotoServer.run { moto in
            let keys = try await moto.prepareBrokerUser()
            let root = NSTemporaryDirectory() + "lessor-aws-e2e-\(UUID().uuidString)"
            try FileManager.default.createDirectory(
                atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            defer { try? FileManager.default.removeItem(atPath: root) }
            let credentialsFile = "\(root)/aws-credentials"
            try "[lessor]\naws_access_key_id = \(keys.accessKeyID)\naws_secret_access_key = \(keys.secretAccessKey)\n"
                .write(toFile: credentialsFile, atomically: true, encoding: .utf8)
            try Self.sessionPolicy.write(toFile: "\(root)/deployer-policy.json", atomically: true, encoding: .utf8)

            let issuer = try StaticIssuer()
            let server = try ServerProcess(
                name: "broker", root: root, jwksFile: try issuer.writeJWKS(to: "\(root)/jwks.json"),
                policies: try Self.writePolicies(into: root),
                extra: Self.engineSection(moto: moto, credentialsFile: credentialsFile),
                pendingGrace: Self.pendingGrace)
            try await withCleanup {
                try await server.start()
                try await Self.exercise(server: server, issuer: issuer, moto: moto, keys: keys, root: root)
            } cleanup: {
                await server.stop()
            }
            let offboarded = try #require(
                try server.auditRecords().first { $0["event"]?.stringValue == "tenant.offboarded" })
            #expect(
                offboarded["details"]?.objectValue?["aws_revoked_sessions_roles"]?.stringValue
                    == "arn:aws:iam::123456789012:role/acme-deployer")
            #expect(offboarded["details"]?.objectValue?["engine_failures"] == nil)
        }
    }

    static func exercise(
        server: ServerProcess, issuer: StaticIssuer, moto: MotoServer, keys: MotoServer.Keys, root: String
    ) async throws {
        // 1. The native API: a workload token of acme for aws/roles/deployer.
        let token = try issuer.workload("acme")
        let reply = try await server.endpoint.call("/v1/creds/aws/roles/deployer", token: token, json: [:])
        try #require(reply.status == 200, "the exchange answered \(reply.status): \(reply.text)\n\(server.logTail())")
        let data = try #require(reply.json?["data"]?.objectValue)
        #expect(data["access_key_id"]?.stringValue?.hasPrefix("ASIA") == true)
        #expect(data["expiration"]?.stringValue?.hasSuffix("Z") == true)
        let used = try await moto.boto3(
            """
            dynamodb = client("dynamodb", spec["id"], spec["secret"], spec["token"])
            dynamodb.create_table(TableName="acme-orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
            dynamodb.put_item(TableName="acme-orders", Item={"id": {"S": "1"}, "what": {"S": "order"}})
            print(json.dumps({"what": dynamodb.get_item(TableName="acme-orders", Key={"id": {"S": "1"}})["Item"]["what"]["S"]}))
            """,
            spec: .object([
                "id": data["access_key_id"] ?? .null, "secret": data["secret_access_key"] ?? .null,
                "token": data["session_token"] ?? .null,
            ]))
        #expect(used["what"]?.stringValue == "order")

        // 2. boto3 runs `lessor exchange --format aws-credential-process` itself.
        let tokenFile = "\(root)/workload-token"
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let lessor = try LessorExecutable.url().path
        let exchange = "\(lessor) exchange --address \(server.address) --token-file \(tokenFile)"
        let configFile = "\(root)/aws-config"
        try """
        [profile lessor]
        region = us-east-1
        credential_process = \(exchange) --path aws/roles/deployer --ttl 1h --format aws-credential-process
        """.write(toFile: configFile, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        environment["AWS_CONFIG_FILE"] = configFile
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "\(root)/no-such-file"
        let script = """
            import json, boto3
            session = boto3.Session(profile_name="lessor")
            credentials = session.get_credentials().get_frozen_credentials()
            dynamodb = session.client("dynamodb", endpoint_url="\(moto.endpoint)")
            item = dynamodb.get_item(TableName="acme-orders", Key={"id": {"S": "1"}})["Item"]
            print(json.dumps({"key": credentials.access_key, "token": bool(credentials.token), "what": item["what"]["S"]}))
            """
        let viaProcess = try await ChildProcess.run(
            "/usr/bin/env", ["python3", "-c", script], environment: environment)
        try #require(viaProcess.status == 0, "boto3 with credential_process failed:\n\(viaProcess.errors.suffix(3000))")
        let answer = try JSONParser.parse(viaProcess.output)
        #expect(answer["key"]?.stringValue?.hasPrefix("ASIA") == true)
        #expect(answer["key"]?.stringValue != data["access_key_id"]?.stringValue, "a new lease, new credentials")
        #expect(answer["token"] == .bool(true))
        #expect(answer["what"]?.stringValue == "order")

        // A non-AWS answer is a clear error, not credentials.
        let wrong = try await ChildProcess.run(
            lessor,
            [
                "exchange", "--address", server.address, "--token-file", tokenFile, "--path", "token/audiences/app",
                "--format", "aws-credential-process",
            ])
        #expect(wrong.status != 0)
        #expect(wrong.output.isEmpty)
        #expect(wrong.errors.contains("holds no AWS credentials"), "stderr: \(wrong.errors)")

        // 3. Offboarding: the deny on acme-deployer, named in the signed certificate.
        let offboard = try await server.endpoint.call(
            "/v1/tenants/acme/offboard", token: try issuer.subject("platform-admin"),
            json: ["reason": .string("contract ended")])
        try #require(offboard.status == 200, "offboarding answered \(offboard.status): \(offboard.text)")
        let certificate = try DeletionCertificate(json: offboard.body, source: "the broker's answer")
        #expect(
            certificate.engineActions == [
                AWSEngine.revokedSessionsRolesDetail: "arn:aws:iam::123456789012:role/acme-deployer"
            ])
        #expect(certificate.engineFailures.isEmpty)
        let publicKey = try AuditPublicKey(file: "\(server.dataDirectory)/audit/keys/public-key.json")
        try certificate.verify(publicKey: publicKey.key)

        let iam = try IAMClient(endpoint: moto.endpoint)
        let document = try await iam.getRolePolicy(
            roleName: "acme-deployer", policyName: AWSEngine.revokePolicyName,
            credentials: AWSCredentials(accessKeyID: keys.accessKeyID, secretAccessKey: keys.secretAccessKey))
        guard case .array(let statements)? = try JSONParser.parse(Array(document.utf8))["Statement"] else {
            Issue.record("the revoke policy has no Statement list: \(document)")
            return
        }
        let statement = statements.first
        #expect(statement?["Effect"]?.stringValue == "Deny")
        let cutoff = try #require(statement?["Condition"]?["DateLessThan"]?["aws:TokenIssueTime"]?.stringValue)
        #expect(try #require(ISO8601DateFormatter().date(from: cutoff)) <= Date().addingTimeInterval(1))

        let denied = try await moto.boto3(
            """
            try:
                client("dynamodb", spec["id"], spec["secret"], spec["token"]).get_item(
                    TableName="acme-orders", Key={"id": {"S": "1"}})
                print(json.dumps({"code": "allowed"}))
            except botocore.exceptions.ClientError as error:
                print(json.dumps({"code": "AccessDenied" if "AccessDenied" in str(error) else str(error)}))
            """,
            spec: .object([
                "id": data["access_key_id"] ?? .null, "secret": data["secret_access_key"] ?? .null,
                "token": data["session_token"] ?? .null,
            ]))
        #expect(denied["code"]?.stringValue == "AccessDenied", "credentials issued before offboarding stop working")
    }
}

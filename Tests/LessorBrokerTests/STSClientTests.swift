import Foundation
import LessorCore
import LessorTestSupport
import Testing

/// The STS wire protocol with the real AWS clients: boto3, botocore's default credential chain,
/// the aws CLI and Terraform's AWS provider, against a `lessor server` whose `aws` engine uses
/// moto (IAM checking on) as upstream, so every success proves the credentials are real.
@Suite("STS protocol with real AWS clients", .serialized)
struct STSClientTests {
    static let acmeRole = "arn:aws:iam::123456789012:role/acme-deployer"
    static let globexRole = "arn:aws:iam::123456789012:role/globex-deployer"

    @Test("boto3 and the aws CLI assume a tenant's role, call GetCallerIdentity, and get AWS's error codes")
    func boto3AndTheCLI() async throws {
        try await STSEnvironment.run { env in
            let token = try env.issuer.workload("acme")
            let expired = try env.issuer.workload("acme", issuedAt: Date().addingTimeInterval(-7200), lifetime: 3600)
            let spec: JSONValue = .object([
                "lessor": .string(env.server.address), "token": .string(token), "expired": .string(expired),
                "unbound": .string(try env.issuer.subject("nobody")), "acme_role": .string(Self.acmeRole),
                "globex_role": .string(Self.globexRole), "moto_key": .string(env.keys.accessKeyID),
                "moto_secret": .string(env.keys.secretAccessKey),
            ])
            let out = try await env.moto.boto3(Self.boto3Script, spec: spec)

            #expect(out["ok"]?["key"]?.stringValue?.hasPrefix("ASIA") == true)
            #expect(out["ok"]?["subject"]?.stringValue == "system:serviceaccount:tenant-acme:app")
            #expect(
                out["ok"]?["arn"]?.stringValue?.hasPrefix("arn:aws:sts::123456789012:assumed-role/acme-deployer/")
                    == true)
            #expect(out["ok"]?["audience"]?.stringValue == "lessor")
            #expect(out["ok"]?["provider"]?.stringValue == StaticIssuer.url)
            #expect(out["ok"]?["expires_in"]?.numberValue.map { (800...960).contains($0) } == true, "class default 15m")
            #expect(out["ok"]?["what"]?.stringValue == "order", "the credentials work in DynamoDB")
            #expect(out["caller"]?["Arn"] == out["ok"]?["arn"])
            #expect(out["caller"]?["Account"]?.stringValue == "123456789012")

            let errors = try #require(out["errors"]?.objectValue)
            #expect(errors["garbage"] == .array([.string("InvalidIdentityToken"), .number(400)]))
            #expect(errors["expired"] == .array([.string("ExpiredTokenException"), .number(400)]))
            #expect(errors["other_tenants_role"] == .array([.string("AccessDenied"), .number(403)]))
            #expect(errors["unknown_role"] == .array([.string("AccessDenied"), .number(403)]))
            #expect(errors["unbound"] == .array([.string("IDPRejectedClaim"), .number(403)]))
            #expect(errors["bad_policy"] == .array([.string("MalformedPolicyDocument"), .number(400)]))
            #expect(errors["wrong_secret"] == .array([.string("SignatureDoesNotMatch"), .number(403)]))
            #expect(errors["not_ours"] == .array([.string("InvalidClientTokenId"), .number(403)]))
            #expect(
                out["messages"]?["other_tenants_role"] == out["messages"]?["unknown_role"],
                "another tenant's role is refused exactly like one that does not exist")
            #expect(out["leaked"] == .bool(false), "no error message quotes a token or a secret")

            try await Self.defaultChain(env, token: token)
            try await Self.awsCLI(env, token: token)
            try await Self.rawQueryErrors(env, token: token)

            await env.server.stop()
            let records = try env.server.auditRecords()
            let grants = records.filter {
                $0["event"]?.stringValue == "grant" && $0["path"]?.stringValue == "aws/roles/deployer"
            }
            #expect(grants.count >= 3)
            #expect(grants.allSatisfy { $0["details"]?["role_session_name"] != nil })
            let denied = records.filter { $0["event"]?.stringValue == "deny" && $0["path"]?.stringValue == "aws/roles" }
            #expect(
                denied.filter { $0["tenant_id"]?.stringValue == "acme" }.count == 2,
                "globex's role and an unknown role, each refused once under acme")
            #expect(
                denied.filter { $0["global_scope"]?.stringValue == "unbound" }.count == 1,
                "the token bound to no tenant, refused once")
            let text = try String(contentsOfFile: env.server.logFile, encoding: .utf8)
            #expect(!text.contains(token), "the server log never holds a token")
        }
    }

    /// One boto3 run: a success used against moto, GetCallerIdentity with the issued keys, and
    /// each error a client can provoke.
    static let boto3Script = """
        from botocore.exceptions import ClientError
        def sts(key=None, secret=None, token=None):
            return boto3.client("sts", endpoint_url=spec["lessor"], region_name="us-east-1",
                aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)
        def assume(role, token, **extra):
            return sts("unused", "unused").assume_role_with_web_identity(RoleArn=role, RoleSessionName="boto3-ci",
                WebIdentityToken=token, **extra)
        out = {"errors": {}, "messages": {}}
        secrets = [spec["token"], spec["expired"], spec["moto_secret"]]
        def failure(name, call):
            try:
                call()
                out["errors"][name] = None
            except ClientError as error:
                out["errors"][name] = [error.response["Error"]["Code"], error.response["ResponseMetadata"]["HTTPStatusCode"]]
                out["messages"][name] = error.response["Error"].get("Message", "")

        answer = assume(spec["acme_role"], spec["token"])
        credentials = answer["Credentials"]
        secrets.append(credentials["SecretAccessKey"])
        import datetime
        expires_in = (credentials["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        dynamodb = client("dynamodb", credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"])
        dynamodb.create_table(TableName="acme-sts", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        dynamodb.put_item(TableName="acme-sts", Item={"id": {"S": "1"}, "what": {"S": "order"}})
        what = dynamodb.get_item(TableName="acme-sts", Key={"id": {"S": "1"}})["Item"]["what"]["S"]
        out["ok"] = {"key": credentials["AccessKeyId"], "subject": answer["SubjectFromWebIdentityToken"],
            "arn": answer["AssumedRoleUser"]["Arn"], "audience": answer.get("Audience"), "provider": answer.get("Provider"),
            "expires_in": expires_in, "what": what}
        out["caller"] = sts(credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]).get_caller_identity()
        del out["caller"]["ResponseMetadata"]

        failure("garbage", lambda: assume(spec["acme_role"], "not.a.token"))
        failure("expired", lambda: assume(spec["acme_role"], spec["expired"]))
        failure("other_tenants_role", lambda: assume(spec["globex_role"], spec["token"]))
        failure("unknown_role", lambda: assume("arn:aws:iam::123456789012:role/nobody-deployer", spec["token"]))
        failure("unbound", lambda: assume(spec["acme_role"], spec["unbound"]))
        failure("bad_policy", lambda: assume(spec["acme_role"], spec["token"], Policy="not a policy"))
        failure("wrong_secret", lambda: sts(credentials["AccessKeyId"], "wrong-secret", credentials["SessionToken"]).get_caller_identity())
        failure("not_ours", lambda: sts(spec["moto_key"], spec["moto_secret"]).get_caller_identity())
        out["leaked"] = any(secret in message for secret in secrets for message in out["messages"].values())
        print(json.dumps(out))
        """

    /// botocore's own chain: `AWS_ROLE_ARN` + `AWS_WEB_IDENTITY_TOKEN_FILE`, STS pointed at Lessor.
    static func defaultChain(_ env: STSEnvironment, token: String) async throws {
        let tokenFile = "\(env.root)/web-identity-token"
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        environment["AWS_ROLE_ARN"] = Self.acmeRole
        environment["AWS_WEB_IDENTITY_TOKEN_FILE"] = tokenFile
        environment["AWS_ROLE_SESSION_NAME"] = "default-chain"
        environment["AWS_ENDPOINT_URL_STS"] = env.server.address + "/sts"
        environment["AWS_DEFAULT_REGION"] = "us-east-1"
        environment["AWS_CONFIG_FILE"] = "\(env.root)/no-config"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "\(env.root)/no-credentials"
        let script = """
            import json, boto3
            session = boto3.Session()
            dynamodb = session.client("dynamodb", endpoint_url="\(env.moto.endpoint)")
            item = dynamodb.get_item(TableName="acme-sts", Key={"id": {"S": "1"}})["Item"]
            frozen = session.get_credentials().get_frozen_credentials()
            print(json.dumps({"what": item["what"]["S"], "method": session.get_credentials().method, "key": frozen.access_key}))
            """
        let run = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script], environment: environment)
        try #require(run.status == 0, "boto3's default chain failed:\n\(run.errors.suffix(3000))")
        let answer = try JSONParser.parse(run.output)
        #expect(answer["what"]?.stringValue == "order")
        #expect(answer["method"]?.stringValue == "assume-role-with-web-identity")
        #expect(answer["key"]?.stringValue?.hasPrefix("ASIA") == true)
    }

    /// `aws sts assume-role-with-web-identity --endpoint-url <lessor>`, and a refused token.
    static func awsCLI(_ env: STSEnvironment, token: String) async throws {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        environment["AWS_CONFIG_FILE"] = "\(env.root)/no-config"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "\(env.root)/no-credentials"
        func cli(_ webIdentityToken: String) async throws -> ChildProcess.Result {
            try await ChildProcess.run(
                "/usr/bin/env",
                [
                    "aws", "sts", "assume-role-with-web-identity", "--endpoint-url", env.server.address,
                    "--region", "us-east-1", "--output", "json", "--role-arn", Self.acmeRole,
                    "--role-session-name", "aws-cli", "--web-identity-token", webIdentityToken,
                ], environment: environment)
        }
        let good = try await cli(token)
        try #require(good.status == 0, "aws sts assume-role-with-web-identity failed:\n\(good.errors.suffix(3000))")
        let answer = try JSONParser.parse(good.output)
        #expect(answer["Credentials"]?["AccessKeyId"]?.stringValue?.hasPrefix("ASIA") == true)
        #expect(answer["Credentials"]?["Expiration"]?.stringValue?.isEmpty == false)
        let refused = try await cli("not.a.token")
        #expect(refused.status != 0)
        #expect(refused.errors.contains("InvalidIdentityToken"), "stderr: \(refused.errors)")
    }

    /// What the SDKs validate away before sending, sent raw: AWS's XML error layout and codes.
    static func rawQueryErrors(_ env: STSEnvironment, token: String) async throws {
        func post(_ path: String, _ form: String) async throws -> HTTPEndpoint.Reply {
            try await env.server.endpoint.send(
                path, token: nil, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array(form.utf8))
        }
        let base = "Version=2011-06-15&Action=AssumeRoleWithWebIdentity&RoleSessionName=raw&WebIdentityToken=\(token)"
        let cases: [(String, String, Int, String)] = [
            ("/", base, 400, "MissingParameter"),
            ("/sts", base + "&RoleArn=\(Self.acmeRole)&DurationSeconds=100", 400, "ValidationError"),
            ("/sts/", base + "&RoleArn=\(Self.acmeRole)&RoleSessionName=x", 400, "ValidationError"),
            (
                "/sts/", base + "&RoleArn=\(Self.acmeRole)&PolicyArns.member.1.arn=arn:aws:iam::aws:policy/X", 400,
                "ValidationError"
            ),
            ("/", "Version=2011-06-15&Action=GetSessionToken", 400, "InvalidAction"),
            ("/", "Action=AssumeRoleWithWebIdentity", 400, "ValidationError"),
            ("/sts", "Version=2011-06-15&Action=GetCallerIdentity", 403, "InvalidClientTokenId"),
        ]
        for (path, form, status, code) in cases {
            let reply = try await post(path, form)
            #expect(reply.status == status, "\(path) \(form.prefix(80)): \(reply.text)")
            #expect(
                reply.text.contains(
                    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>\(code)</Code><Message>"
                ), "\(reply.text)")
            #expect(reply.text.contains("</Error><RequestId>"))
            #expect(!reply.text.contains(token))
        }
        let granted = try await post("/sts/", base + "&RoleArn=\(Self.acmeRole)&DurationSeconds=3600")
        #expect(granted.status == 200, "\(granted.text)")
        #expect(granted.headers["content-type"]?.hasPrefix("text/xml") == true)
        #expect(granted.text.contains("<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>"))
        #expect(granted.text.contains("</Credentials>"))
        #expect(granted.text.contains("<ResponseMetadata><RequestId>"))
    }

    @Test(
        "Terraform's AWS provider assumes the tenant's role through Lessor and creates and destroys its table and queue"
    )
    func terraform() async throws {
        try await STSEnvironment.run { env in
            let tokenFile = "\(env.root)/web-identity-token"
            try env.issuer.workload("acme", lifetime: 3600).write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let directory = "\(env.root)/terraform"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try """
            provider_installation {
              filesystem_mirror {
                path    = "/opt/tf-plugins"
                include = ["registry.terraform.io/hashicorp/aws"]
              }
              direct {
                exclude = ["registry.terraform.io/hashicorp/aws"]
              }
            }
            """.write(toFile: "\(directory)/cli.tfrc", atomically: true, encoding: .utf8)
            try """
            terraform {
              required_providers {
                aws = { source = "hashicorp/aws" }
              }
            }
            provider "aws" {
              region = "us-east-1"
              endpoints {
                sts      = "\(env.server.address)/sts"
                dynamodb = "\(env.moto.endpoint)"
                sqs      = "\(env.moto.endpoint)"
              }
              assume_role_with_web_identity {
                role_arn                = "\(Self.acmeRole)"
                session_name            = "terraform-runner"
                web_identity_token_file = "\(tokenFile)"
              }
            }
            resource "aws_dynamodb_table" "orders" {
              name         = "acme-orders"
              billing_mode = "PAY_PER_REQUEST"
              hash_key     = "id"
              attribute {
                name = "id"
                type = "S"
              }
            }
            resource "aws_sqs_queue" "jobs" {
              name = "acme-jobs"
            }
            data "aws_caller_identity" "current" {}
            output "caller" {
              value = data.aws_caller_identity.current.arn
            }
            """.write(toFile: "\(directory)/main.tf", atomically: true, encoding: .utf8)
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
            environment["TF_CLI_CONFIG_FILE"] = "\(directory)/cli.tfrc"
            environment["TF_IN_AUTOMATION"] = "1"
            environment["CHECKPOINT_DISABLE"] = "1"
            environment["AWS_CONFIG_FILE"] = "\(env.root)/no-config"
            environment["AWS_SHARED_CREDENTIALS_FILE"] = "\(env.root)/no-credentials"
            func terraform(_ arguments: [String]) async throws -> ChildProcess.Result {
                let run = try await ChildProcess.run(
                    "/usr/bin/env", ["terraform", "-chdir=\(directory)"] + arguments + ["-no-color"],
                    environment: environment)
                try #require(
                    run.status == 0,
                    "terraform \(arguments[0]) failed:\n\(String(decoding: run.output, as: UTF8.self).suffix(3000))\n\(run.errors.suffix(3000))\n\(env.server.logTail())"
                )
                return run
            }
            _ = try await terraform(["init", "-input=false"])
            _ = try await terraform(["apply", "-auto-approve", "-input=false"])
            let listing = """
                answer = boto3.client("sts", endpoint_url=spec["lessor"], region_name="us-east-1",
                    aws_access_key_id="unused", aws_secret_access_key="unused").assume_role_with_web_identity(
                    RoleArn=spec["role"], RoleSessionName="check", WebIdentityToken=spec["token"])["Credentials"]
                keys = (answer["AccessKeyId"], answer["SecretAccessKey"], answer["SessionToken"])
                print(json.dumps({"tables": client("dynamodb", *keys).list_tables()["TableNames"],
                    "queues": [url.rsplit("/", 1)[-1] for url in client("sqs", *keys).list_queues().get("QueueUrls", [])]}))
                """
            let checkSpec: JSONValue = .object([
                "lessor": .string(env.server.address), "role": .string(Self.acmeRole),
                "token": .string(try env.issuer.workload("acme")),
            ])
            let created = try await env.moto.boto3(listing, spec: checkSpec)
            #expect(created["tables"] == .array([.string("acme-orders")]))
            #expect(created["queues"] == .array([.string("acme-jobs")]))
            let output = try await terraform(["output", "-raw", "caller"])
            #expect(
                String(decoding: output.output, as: UTF8.self).hasPrefix(
                    "arn:aws:sts::123456789012:assumed-role/acme-deployer/"))
            _ = try await terraform(["destroy", "-auto-approve", "-input=false"])
            let after = try await env.moto.boto3(listing, spec: checkSpec)
            #expect(after["tables"] == .array([]))
            #expect(after["queues"] == .array([]))
        }
    }
}

/// moto with the broker's IAM user and the roles `acme-deployer` (DynamoDB and SQS) and
/// `globex-deployer`, and a `lessor server` whose `aws` engine serves `deployer` with a session
/// policy confined to the tenant's own tables and queues.
struct STSEnvironment {
    let moto: MotoServer
    let keys: MotoServer.Keys
    let issuer: StaticIssuer
    let server: ServerProcess
    let root: String

    static let sessionPolicy = """
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/{{tenant}}-*"},
          {"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:*:{{tenant}}-*"},
          {"Effect": "Allow", "Action": ["dynamodb:ListTables", "sqs:ListQueues"], "Resource": "*"}]}
        """

    /// moto with the broker's IAM user, and a `lessor server` whose `aws` engine uses it, logging
    /// at `logLevel`.
    static func run(logLevel: String = "warning", _ body: (STSEnvironment) async throws -> Void) async throws {
        try await MotoServer.run { moto in
            let keys = try await moto.prepareBrokerUser()
            _ = try await moto.boto3(
                """
                iam = client("iam", spec["key"], spec["secret"])
                iam.put_role_policy(RoleName="acme-deployer", PolicyName="queues", PolicyDocument=json.dumps({
                    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))
                print("{}")
                """,
                spec: .object(["key": .string(keys.accessKeyID), "secret": .string(keys.secretAccessKey)]))
            let root = NSTemporaryDirectory() + "lessor-sts-\(UUID().uuidString)"
            try FileManager.default.createDirectory(
                atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let credentialsFile = "\(root)/aws-credentials"
            try "[lessor]\naws_access_key_id = \(keys.accessKeyID)\naws_secret_access_key = \(keys.secretAccessKey)\n"
                .write(toFile: credentialsFile, atomically: true, encoding: .utf8)
            try sessionPolicy.write(toFile: "\(root)/deployer-policy.json", atomically: true, encoding: .utf8)
            let issuer = try StaticIssuer()
            let server = try ServerProcess(
                name: "broker", root: root, jwksFile: try issuer.writeJWKS(to: "\(root)/jwks.json"),
                policies: try AWSBrokerEndToEndTests.writePolicies(into: root),
                extra: AWSBrokerEndToEndTests.engineSection(moto: moto, credentialsFile: credentialsFile),
                logLevel: logLevel, pendingGrace: AWSBrokerEndToEndTests.pendingGrace)
            try await withCleanup {
                try await server.start()
                try await body(STSEnvironment(moto: moto, keys: keys, issuer: issuer, server: server, root: root))
            } cleanup: {
                await server.stop()
                try? FileManager.default.removeItem(atPath: root)
            }
        }
    }
}

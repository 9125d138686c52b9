import Foundation
import LessorCore
import LessorCrypto
import LessorEngines
import LessorTestSupport
import Testing

/// The `aws` engine against moto's real server as upstream STS, IAM and DynamoDB, with moto's
/// IAM checking switched on: a call that succeeds proves the credentials were really issued.
@Suite("AWS engine")
struct AWSEngineTests {
    static let policyTemplate = """
        {
          "Version": "2012-10-17",
          "Statement": [
            {"Effect": "Allow", "Action": ["dynamodb:*"], "Resource": ["arn:aws:dynamodb:*:*:table/{{tenant}}-*"]}
          ]
        }
        """

    static func configuration(moto: MotoServer) -> AWSEngineConfiguration {
        AWSEngineConfiguration(
            roles: [
                .init(
                    name: "deployer", roleARNTemplate: "arn:aws:iam::123456789012:role/{{tenant}}-deployer",
                    sessionPolicyTemplate: policyTemplate, maxDuration: .seconds(7200))
            ],
            stsRegion: "us-east-1", stsEndpoint: moto.endpoint, iamEndpoint: moto.endpoint)
    }

    static func lease(tenant: String = "acme", ttl: TimeInterval = 3600, now: Date = Date()) -> Lease {
        Lease(
            id: "lease-aws-1", tenantID: tenant, issuer: "https://kubernetes.test",
            subject: "system:serviceaccount:\(tenant)-prod:deployer", binding: "\(tenant)-workloads",
            path: "aws/roles/deployer", engine: "aws", issuedAt: now, expiresAt: now.addingTimeInterval(ttl),
            maxExpiresAt: now.addingTimeInterval(ttl), renewable: false, state: .pending, policyDigest: "digest",
            requestID: "request-1")
    }

    static func request(tenant: String = "acme", ttl: TimeInterval = 3600, path: [String] = ["roles", "deployer"])
        -> CredentialRequest
    {
        CredentialRequest(
            lease: lease(tenant: tenant, ttl: ttl), enginePath: path,
            identity: TokenFixture.identity(subject: "system:serviceaccount:\(tenant)-prod:deployer"))
    }

    /// The broker's user and role in moto (`MotoServer.prepareBrokerUser`), as credentials.
    static func prepare(_ moto: MotoServer) async throws -> AWSCredentials {
        let keys = try await moto.prepareBrokerUser()
        return AWSCredentials(accessKeyID: keys.accessKeyID, secretAccessKey: keys.secretAccessKey)
    }

    static func provider(for keys: AWSCredentials) -> AWSCredentialsProvider {
        AWSCredentialsProvider(
            environment: ["AWS_ACCESS_KEY_ID": keys.accessKeyID, "AWS_SECRET_ACCESS_KEY": keys.secretAccessKey],
            homeDirectory: nil)
    }

    static func credentialSpec(_ data: [String: JSONValue]) -> JSONValue {
        .object([
            "id": data["access_key_id"] ?? .null, "secret": data["secret_access_key"] ?? .null,
            "token": data["session_token"] ?? .null,
        ])
    }

    // MARK: - against moto

    @Test func issuedCredentialsWorkAgainstMoto() async throws {
        try await MotoServer.run { moto in
            let keys = try await Self.prepare(moto)
            let engine = try AWSEngine(
                configuration: Self.configuration(moto: moto), credentials: Self.provider(for: keys))
            let issued = try await engine.issue(Self.request())
            let data = issued.data
            #expect(data["access_key_id"]?.stringValue?.hasPrefix("ASIA") == true)
            #expect(data["secret_access_key"]?.stringValue?.isEmpty == false)
            #expect(data["session_token"]?.stringValue?.isEmpty == false)
            #expect(
                data["assumed_role_arn"]?.stringValue
                    == "arn:aws:sts::123456789012:assumed-role/acme-deployer/acme@acme-prod.deployer")
            #expect(data["assumed_role_id"]?.stringValue?.hasSuffix(":acme@acme-prod.deployer") == true)
            let expiration = try #require(data["expiration"]?.stringValue)
            #expect(expiration.hasSuffix("Z"))
            #expect(ISO8601DateFormatter().date(from: expiration) != nil)

            // The revocation handle holds the role and the key pair, for GetCallerIdentity later.
            let handle = try AWSRevocationHandle(decoding: try #require(issued.revocationHandle))
            #expect(handle.roleARN == "arn:aws:iam::123456789012:role/acme-deployer")
            #expect(handle.accessKeyID == data["access_key_id"]?.stringValue)
            #expect(handle.secretAccessKey == data["secret_access_key"]?.stringValue)
            #expect(!String(describing: handle).contains(handle.secretAccessKey))

            // The credentials work (moto checks signatures and policies now); the wrong secret does not.
            let used = try await moto.boto3(
                """
                dynamodb = client("dynamodb", spec["id"], spec["secret"], spec["token"])
                dynamodb.create_table(TableName="acme-orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
                dynamodb.put_item(TableName="acme-orders", Item={"id": {"S": "1"}, "what": {"S": "order"}})
                item = dynamodb.get_item(TableName="acme-orders", Key={"id": {"S": "1"}})["Item"]
                try:
                    client("dynamodb", spec["id"], "not-the-secret", spec["token"]).list_tables()
                    forged = "accepted"
                except botocore.exceptions.ClientError as error:
                    forged = "SignatureDoesNotMatch" if "SignatureDoesNotMatch" in str(error) else str(error)
                print(json.dumps({"what": item["what"]["S"], "forged": forged}))
                """, spec: Self.credentialSpec(data))
            #expect(used.objectValue?["what"]?.stringValue == "order")
            #expect(used.objectValue?["forged"]?.stringValue == "SignatureDoesNotMatch")

            // What reached STS: moto's recording of the AssumeRole call Lessor signed.
            let sent = try await moto.boto3(
                """
                from urllib.parse import parse_qs
                for line in moto_api("/moto-api/recorder/download-recording").decode().splitlines():
                    entry = json.loads(line)
                    body = entry.get("body") or ""
                    if entry.get("body_encoded"):
                        body = base64.b64decode(body).decode()
                    form = {key: values[0] for key, values in parse_qs(body).items()}
                    if form.get("Action") == "AssumeRole":
                        form["authorization"] = entry["headers"].get("Authorization", "")
                        print(json.dumps(form))
                        break
                """)
            let form = try #require(sent.objectValue)
            #expect(form["RoleArn"]?.stringValue == "arn:aws:iam::123456789012:role/acme-deployer")
            #expect(form["RoleSessionName"]?.stringValue == "acme@acme-prod.deployer")
            #expect(form["DurationSeconds"]?.stringValue == "3600")
            #expect(form["Version"]?.stringValue == "2011-06-15")
            #expect(form["Tags.member.1.Key"]?.stringValue == "tenant")
            #expect(form["Tags.member.1.Value"]?.stringValue == "acme")
            #expect(form["authorization"]?.stringValue?.contains("/us-east-1/sts/aws4_request") == true)
            let policy = try JSONParser.parse(Array(try #require(form["Policy"]?.stringValue).utf8))
            let statement = policy.objectValue?["Statement"]?.elements?.first?.objectValue
            #expect(statement?["Resource"] == .array([.string("arn:aws:dynamodb:*:*:table/acme-*")]))
        }
    }

    @Test("a role's max_duration bounds the leases the engine backs; other paths have no limit of the engine's")
    func roleMaximumBoundsTheLease() throws {
        let engine = try AWSEngine(
            configuration: AWSEngineConfiguration(
                roles: [
                    .init(
                        name: "deployer", roleARNTemplate: "arn:aws:iam::123456789012:role/{{tenant}}-deployer",
                        maxDuration: .seconds(1800))
                ],
                stsRegion: "us-east-1", stsEndpoint: "http://127.0.0.1:9", iamEndpoint: "http://127.0.0.1:9"),
            credentials: AWSCredentialsProvider(
                environment: ["AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "example"],
                homeDirectory: nil))
        #expect(engine.maximumTTL(enginePath: ["roles", "deployer"]) == .seconds(1800))
        #expect(engine.maximumTTL(enginePath: ["roles", "unknown"]) == nil)
        #expect(engine.maximumTTL(enginePath: ["users", "deployer"]) == nil)
    }

    @Test func stsRefusalsBecomeClearEngineErrors() async throws {
        try await MotoServer.run { moto in
            let keys = try await Self.prepare(moto)
            let engine = try AWSEngine(
                configuration: Self.configuration(moto: moto), credentials: Self.provider(for: keys))
            // The broker may assume acme-* roles only: globex-deployer is refused by moto's IAM.
            do throws(LessorError) {
                _ = try await engine.issue(Self.request(tenant: "globex"))
                Issue.record("moto issued credentials for a role the broker may not assume")
            } catch {
                #expect(error.code == .engineFailure)
                #expect(error.message.contains("STS AssumeRole refused"))
                #expect(error.message.contains("AccessDenied"))
                #expect(!error.message.contains(keys.secretAccessKey))
            }
            // Unknown upstream keys.
            let stranger = AWSCredentialsProvider(
                environment: [
                    "AWS_ACCESS_KEY_ID": "AKIAUNKNOWN000000000", "AWS_SECRET_ACCESS_KEY": "secret-never-shown",
                ],
                homeDirectory: nil)
            let refused = try AWSEngine(configuration: Self.configuration(moto: moto), credentials: stranger)
            do throws(LessorError) {
                _ = try await refused.issue(Self.request())
                Issue.record("moto issued credentials to unknown keys")
            } catch {
                #expect(error.code == .engineFailure)
                #expect(error.message.contains("InvalidClientTokenId"))
                #expect(!error.message.contains("secret-never-shown"))
            }
        }
    }

    @Test func revokeOlderSessionsPutsTheDenyAndOldCredentialsStopWorking() async throws {
        try await MotoServer.run { moto in
            let keys = try await Self.prepare(moto)
            let engine = try AWSEngine(
                configuration: Self.configuration(moto: moto), credentials: Self.provider(for: keys))
            let issued = try await engine.issue(Self.request())
            let before = Date()
            let arns = try engine.roleARNs(forTenant: "acme")
            #expect(arns == ["arn:aws:iam::123456789012:role/acme-deployer"])
            let done = try await engine.revokeOlderSessions(tenant: "acme", roleARNs: arns, before: before)
            #expect(done == arns)

            let iam = try IAMClient(endpoint: moto.endpoint)
            let text = try await iam.getRolePolicy(
                roleName: "acme-deployer", policyName: AWSEngine.revokePolicyName, credentials: keys)
            let statement = try JSONParser.parse(Array(text.utf8)).objectValue?["Statement"]?.elements?.first?
                .objectValue
            #expect(statement?["Effect"] == .string("Deny"))
            #expect(statement?["Action"] == .array([.string("*")]))
            let condition = statement?["Condition"]?.objectValue?["DateLessThan"]?.objectValue
            let cutoff = try #require(condition?["aws:TokenIssueTime"]?.stringValue)
            let cutoffDate = try #require(ISO8601DateFormatter().date(from: cutoff))
            #expect(cutoffDate >= before.addingTimeInterval(-1) && cutoffDate <= before.addingTimeInterval(1))

            let denied = try await moto.boto3(
                """
                try:
                    client("dynamodb", spec["id"], spec["secret"], spec["token"]).list_tables()
                    print(json.dumps({"code": "allowed"}))
                except botocore.exceptions.ClientError as error:
                    # moto answers DynamoDB's JSON protocol with an XML error: find the code in the text.
                    print(json.dumps({"code": "AccessDenied" if "AccessDenied" in str(error) else str(error)}))
                """, spec: Self.credentialSpec(issued.data))
            #expect(denied.objectValue?["code"]?.stringValue == "AccessDenied")

            // A role the broker may not touch: the error names it, after the others were done.
            await #expect(throws: LessorError(.engineFailure, "")) {
                try await engine.revokeOlderSessions(
                    tenant: "acme", roleARNs: ["arn:aws:iam::123456789012:role/missing-role"], before: before)
            }
        }
    }

    @Test func webIdentityCredentialsComeFromSTSAndAreCached() async throws {
        try await MotoServer.run { moto in
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let tokenFile = directory + "/token"
            try "eyJhbGciOiJSUzI1NiJ9.e30.c2ln".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let now = MutableDate(Date())
            let clock = WallClock { now.value }
            let provider = AWSCredentialsProvider(
                environment: [
                    "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/lessor-broker",
                    "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_SESSION_NAME": "lessor-test",
                    "AWS_ENDPOINT_URL_STS": moto.endpoint, "AWS_REGION": "eu-west-1",
                ], homeDirectory: directory, clock: clock)
            #expect(
                try await provider.source()
                    == .webIdentity(roleARN: "arn:aws:iam::123456789012:role/lessor-broker", tokenFile: tokenFile))
            let first = try await provider.credentials()
            #expect(first.accessKeyID.hasPrefix("ASIA"))
            #expect(first.sessionToken != nil)
            let expiration = try #require(first.expiration)
            #expect(try await provider.credentials().accessKeyID == first.accessKeyID)
            // Within five minutes of expiry the provider asks STS again.
            now.value = expiration.addingTimeInterval(-60)
            #expect(try await provider.credentials().accessKeyID != first.accessKeyID)
        }
    }

    // MARK: - credential sources

    @Test func aSelectedSourceIsTheOnlyOneRead() async throws {
        let home = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try
            "[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = file-secret\n[ci]\naws_access_key_id = AKIACI\naws_secret_access_key = ci-secret\n"
            .write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        let environment = [
            "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret",
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/lessor", "AWS_WEB_IDENTITY_TOKEN_FILE": home + "/token",
        ]
        func provider(_ selection: AWSCredentialsProvider.Selection) -> AWSCredentialsProvider {
            AWSCredentialsProvider(selection: selection, environment: environment, homeDirectory: home)
        }
        #expect(try await provider(.standardChain).source() == .environment)
        #expect(try await provider(.environment).credentials().accessKeyID == "AKIAENV")
        #expect(
            try await provider(.sharedFile(path: nil, profile: nil)).source()
                == .sharedCredentialsFile(path: home + "/.aws/credentials", profile: "default"))
        #expect(
            try await provider(.sharedFile(path: home + "/.aws/credentials", profile: "ci")).credentials().accessKeyID
                == "AKIACI")
        #expect(
            try await provider(.webIdentity(roleARN: nil, tokenFile: nil, sessionName: nil)).source()
                == .webIdentity(roleARN: "arn:aws:iam::123456789012:role/lessor", tokenFile: home + "/token"))
        #expect(
            try await provider(
                .webIdentity(roleARN: "arn:aws:iam::123456789012:role/other", tokenFile: "/t", sessionName: "s")
            )
            .source() == .webIdentity(roleARN: "arn:aws:iam::123456789012:role/other", tokenFile: "/t"))

        // A selected source that is not there is an error, not a fall-back to another source.
        let bare = AWSCredentialsProvider(selection: .environment, environment: [:], homeDirectory: home)
        await #expect(throws: LessorError(.configInvalid, "")) { try await bare.source() }
        let noProfile = AWSCredentialsProvider(
            selection: .sharedFile(path: nil, profile: "missing"), environment: environment, homeDirectory: home)
        await #expect(throws: LessorError(.configInvalid, "")) { try await noProfile.source() }
    }

    @Test func environmentThenSharedFileThenWebIdentity() async throws {
        let home = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try """
        # broker credentials
        [default]
        aws_access_key_id = AKIAFILEDEFAULT
        aws_secret_access_key = file-default-secret

        [profile ci]
        aws_access_key_id=AKIAFILECI
        aws_secret_access_key=file-ci-secret
        aws_session_token = file-ci-token
        """.write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        let web = [
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/lessor", "AWS_WEB_IDENTITY_TOKEN_FILE": home + "/token",
        ]
        let environment = ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env-secret"]

        let all = AWSCredentialsProvider(environment: environment.merging(web) { a, _ in a }, homeDirectory: home)
        #expect(try await all.source() == .environment)
        #expect(try await all.credentials().accessKeyID == "AKIAENV")

        let file = AWSCredentialsProvider(environment: web, homeDirectory: home)
        #expect(try await file.source() == .sharedCredentialsFile(path: home + "/.aws/credentials", profile: "default"))
        let fromFile = try await file.credentials()
        #expect(fromFile.accessKeyID == "AKIAFILEDEFAULT")
        #expect(fromFile.secretAccessKey == "file-default-secret")
        #expect(fromFile.sessionToken == nil)

        let profile = AWSCredentialsProvider(environment: ["AWS_PROFILE": "ci"], homeDirectory: home)
        let ci = try await profile.credentials()
        #expect(ci.accessKeyID == "AKIAFILECI")
        #expect(ci.sessionToken == "file-ci-token")

        let explicitFile = AWSCredentialsProvider(
            environment: ["AWS_SHARED_CREDENTIALS_FILE": home + "/.aws/credentials", "AWS_PROFILE": "ci"],
            homeDirectory: "/nonexistent")
        #expect(try await explicitFile.credentials().accessKeyID == "AKIAFILECI")

        // A profile the file lacks falls through to web identity.
        let missingProfile = AWSCredentialsProvider(
            environment: web.merging(["AWS_PROFILE": "nope"]) { a, _ in a }, homeDirectory: home)
        #expect(
            try await missingProfile.source()
                == .webIdentity(roleARN: "arn:aws:iam::123456789012:role/lessor", tokenFile: home + "/token"))
        let webOnly = AWSCredentialsProvider(environment: web, homeDirectory: "/nonexistent")
        #expect(
            try await webOnly.source()
                == .webIdentity(roleARN: "arn:aws:iam::123456789012:role/lessor", tokenFile: home + "/token"))
    }

    @Test func incompleteSourcesAreExplainedWithoutSecrets() async throws {
        let home = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try "[default]\naws_access_key_id = AKIAHALF\n".write(
            toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        let cases: [([String: String], String?, String)] = [
            (["AWS_ACCESS_KEY_ID": "AKIAONLY"], nil, "AWS_SECRET_ACCESS_KEY"),
            ([:], home, "aws_secret_access_key"),
            (["AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/x"], nil, "AWS_WEB_IDENTITY_TOKEN_FILE"),
            ([:], nil, "no AWS credentials"),
        ]
        for (environment, directory, mention) in cases {
            do {
                _ = try await AWSCredentialsProvider(environment: environment, homeDirectory: directory).credentials()
                Issue.record("credentials from an incomplete source: \(mention)")
            } catch {
                #expect(error.code == .configInvalid)
                #expect(error.message.contains(mention), "\(error.message)")
            }
        }
    }

    @Test func credentialsNeverPrintTheirSecrets() {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE", secretAccessKey: "very-secret", sessionToken: "session-token")
        #expect(String(describing: credentials).contains("ASIAEXAMPLE"))
        #expect(!String(describing: credentials).contains("very-secret"))
        #expect(!String(describing: credentials).contains("session-token"))
    }

    // MARK: - the AssumeRole request

    static func offlineEngine(
        roles: [AWSEngineConfiguration.Role] = [
            .init(
                name: "deployer", roleARNTemplate: "arn:aws:iam::123456789012:role/{{tenant}}-deployer",
                sessionPolicyTemplate: policyTemplate, maxDuration: .seconds(7200))
        ]
    ) throws(LessorError) -> AWSEngine {
        try AWSEngine(
            configuration: AWSEngineConfiguration(roles: roles, stsEndpoint: "http://127.0.0.1:9"),
            credentials: AWSCredentialsProvider(environment: [:], homeDirectory: nil))
    }

    @Test func theRequestIsRenderedForTheTenant() throws {
        let engine = try Self.offlineEngine()
        let request = try engine.assumeRoleRequest(for: Self.request(tenant: "globex", ttl: 1800))
        #expect(request.roleARN == "arn:aws:iam::123456789012:role/globex-deployer")
        #expect(request.sessionName == "globex@globex-prod.deployer")
        #expect(request.durationSeconds == 1800)
        #expect(
            request.policy
                == #"{"Statement":[{"Action":["dynamodb:*"],"Effect":"Allow","Resource":["arn:aws:dynamodb:*:*:table/globex-*"]}],"Version":"2012-10-17"}"#
        )
        #expect(request.tags == [AssumeRoleRequest.SessionTag(key: "tenant", value: "globex")])
        let form = request.formParameters.map { "\($0.0)=\($0.1)" }
        #expect(form.contains("Tags.member.1.Key=tenant"))
        #expect(form.contains("Tags.member.1.Value=globex"))
        #expect(form.contains("DurationSeconds=1800"))
    }

    @Test func durationsAreClampedAndShortLeasesRefused() throws {
        let engine = try Self.offlineEngine()
        #expect(try engine.assumeRoleRequest(for: Self.request(ttl: 900)).durationSeconds == 900)
        // The role's maximum (2 h) cuts a longer lease.
        #expect(try engine.assumeRoleRequest(for: Self.request(ttl: 86_400)).durationSeconds == 7200)
        do {
            _ = try engine.assumeRoleRequest(for: Self.request(ttl: 899))
            Issue.record("a lease shorter than 15 minutes was accepted")
        } catch {
            #expect(error.code == .requestInvalid)
            #expect(error.message.contains("at least 900 s"))
        }
    }

    @Test(arguments: [
        ["roles"], ["roles", "nope"], ["users", "deployer"], ["roles", "deployer", "x"], ["roles", ""],
    ])
    func unknownPathsAreRefused(path: [String]) throws {
        let engine = try Self.offlineEngine()
        #expect(throws: LessorError(.requestInvalid, "")) {
            try engine.assumeRoleRequest(for: Self.request(path: path))
        }
    }

    @Test func sessionNamesFollowAWSRules() throws {
        let engine = try Self.offlineEngine()
        let long = CredentialRequest(
            lease: Self.lease(), enginePath: ["roles", "deployer"],
            identity: TokenFixture.identity(
                subject: "https://idp.example/users/" + String(repeating: "x", count: 80) + " name", kubernetes: false))
        let name = try engine.assumeRoleRequest(for: long).sessionName
        #expect(name.utf8.count == 64)
        #expect(name.hasPrefix("acme@https---idp.example-users-xxx"))
        #expect(
            name.utf8.allSatisfy {
                $0 < 0x80
                    && (Character(UnicodeScalar($0)).isLetter || Character(UnicodeScalar($0)).isNumber
                        || "_+=,.@-".utf8.contains($0))
            })
    }

    @Test(arguments: [
        ("arn:aws:iam::123456789012:user/{{tenant}}", Optional<String>.none),
        ("arn:aws:iam::1234:role/{{tenant}}", nil),
        ("arn:aws:s3:::{{tenant}}", nil),
        ("arn:aws:iam::123456789012:role/{{tenant}} x", nil),
        ("arn:aws:iam::123456789012:role/{{tenant}}", "{\"Version\": "),
        ("arn:aws:iam::123456789012:role/{{tenant}}", "[\"{{tenant}}\"]"),
        ("arn:aws:iam::123456789012:role/{{tenant}}", "{\"x\": \"" + String(repeating: "y", count: 2100) + "\"}"),
    ])
    func badTemplatesAreRefusedAtConfiguration(arn: String, policy: String?) {
        #expect(throws: LessorError(.configInvalid, "")) {
            try Self.offlineEngine(roles: [.init(name: "r", roleARNTemplate: arn, sessionPolicyTemplate: policy)])
        }
    }

    @Test func badConfigurationIsRefused() {
        #expect(throws: LessorError(.configInvalid, "")) {
            try Self.offlineEngine(roles: [
                .init(name: "r", roleARNTemplate: "arn:aws:iam::123456789012:role/r", maxDuration: .seconds(600))
            ])
        }
        #expect(throws: LessorError(.configInvalid, "")) {
            try AWSEngine(
                configuration: AWSEngineConfiguration(roles: [], stsEndpoint: "http://sts.example.com"),
                credentials: AWSCredentialsProvider(environment: [:], homeDirectory: nil))
        }
        #expect(throws: LessorError(.configInvalid, "")) {
            try STSClient(region: "us-east-1", endpoint: "https://sts.example.com?x=1")
        }
        #expect(throws: LessorError(.configInvalid, "")) { try STSClient(region: "US East") }
        #expect(STSClient.regionalEndpoint(for: "eu-west-1") == "https://sts.eu-west-1.amazonaws.com")
        #expect(STSClient.regionalEndpoint(for: "cn-north-1") == "https://sts.cn-north-1.amazonaws.com.cn")
    }

    @Test func singleRevokeSucceedsAndRenewalIsRefused() async throws {
        let engine = try Self.offlineEngine()
        try await engine.revoke(Self.lease(), revocationHandle: nil)
        await #expect(throws: LessorError(.leaseNotRenewable, "")) {
            try await engine.renew(Self.lease(), revocationHandle: nil)
        }
        #expect(!engine.supportsRenewal)
        #expect(engine.name == "aws")
    }

    @Test func theRevokePolicyDeniesEverySessionIssuedBefore() throws {
        let text = AWSEngine.revokeOlderSessionsPolicy(before: Date(timeIntervalSince1970: 1_800_000_000.2))
        #expect(
            text
                == #"{"Statement":[{"Action":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2027-01-15T08:00:01Z"}},"Effect":"Deny","Resource":["*"]}],"Version":"2012-10-17"}"#
        )
    }

    @Test func theRevocationHandleRoundTrips() throws {
        let handle = AWSRevocationHandle(
            roleARN: "arn:aws:iam::123456789012:role/acme-deployer", accessKeyID: "ASIA1",
            secretAccessKey: "s/ecret+", expiration: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(try AWSRevocationHandle(decoding: handle.encoded) == handle)
        #expect(throws: LessorError(.engineFailure, "")) { try AWSRevocationHandle(decoding: Array("{}".utf8)) }
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "lessor-aws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

extension JSONValue {
    fileprivate var elements: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}

/// A date a test moves by hand, read by a `WallClock`.
final class MutableDate: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Date

    init(_ value: Date) { stored = value }

    var value: Date {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

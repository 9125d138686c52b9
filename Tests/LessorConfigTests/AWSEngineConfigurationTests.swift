import Foundation
import LessorConfig
import LessorCore
import LessorEngines
import Testing

@Suite("Configuration file: the aws engine")
struct AWSEngineConfigurationTests {
    static let issuers = "issuers: [{issuer: 'https://a', audiences: [a]}]\n"

    private func parse(_ yaml: String, baseDirectory: String = "/etc/lessor") throws(LessorError)
        -> LessorConfiguration
    {
        try LessorConfiguration.parse(yaml: Self.issuers + yaml, file: "lessor.yaml", baseDirectory: baseDirectory)
    }

    private func message(_ yaml: String) -> String? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("Every key is read; paths are resolved against the file's folder; policy files are read")
    func fullSection() throws {
        let directory = NSTemporaryDirectory() + "lessor-aws-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: "\(directory)/aws", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let policy =
            #"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::{{tenant}}-*"}]}"#
        try policy.write(toFile: "\(directory)/aws/s3.json", atomically: true, encoding: .utf8)
        let configuration = try parse(
            """
            engines:
              aws:
                sts_region: eu-west-1
                sts_endpoint: https://sts-fips.us-east-1.amazonaws.com
                iam_endpoint: https://iam.amazonaws.com
                iam_region: us-east-1
                ca_bundle: aws/ca.pem
                timeout: 5s
                credentials: {source: shared_file, path: aws/credentials, profile: lessor}
                roles:
                  - name: deployer
                    role_arn: "arn:aws:iam::123456789012:role/{{tenant}}-deployer"
                    max_duration: 2h
                    session_policy: |
                      {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*",
                        "Resource": "arn:aws:dynamodb:*:*:table/{{tenant}}-*"}]}
                  - name: reader
                    role_arn: "arn:aws:iam::123456789012:role/{{tenant}}-reader"
                    session_policy_file: aws/s3.json
            """, baseDirectory: directory)
        let aws = try #require(configuration.broker.awsEngine)
        #expect(aws.engine.stsRegion == "eu-west-1")
        #expect(aws.engine.stsEndpoint == "https://sts-fips.us-east-1.amazonaws.com")
        #expect(aws.engine.iamEndpoint == "https://iam.amazonaws.com")
        #expect(aws.engine.iamRegion == "us-east-1")
        #expect(aws.engine.caBundlePath == "\(directory)/aws/ca.pem")
        #expect(aws.engine.timeout == .seconds(5))
        #expect(aws.credentials == .sharedFile(path: "\(directory)/aws/credentials", profile: "lessor"))
        #expect(aws.engine.roles.map(\.name) == ["deployer", "reader"])
        #expect(aws.engine.roles[0].roleARNTemplate == "arn:aws:iam::123456789012:role/{{tenant}}-deployer")
        #expect(aws.engine.roles[0].maxDuration == .seconds(7200))
        #expect(aws.engine.roles[0].sessionPolicyTemplate?.contains("table/{{tenant}}-*") == true)
        #expect(aws.engine.roles[1].maxDuration == .seconds(3600))
        #expect(aws.engine.roles[1].sessionPolicyTemplate == policy)
        _ = try AWSEngine(configuration: aws.engine, credentials: AWSCredentialsProvider(selection: aws.credentials))
    }

    @Test("Without engines.aws there is no aws engine; without credentials the standard chain is used")
    func defaults() throws {
        #expect(try parse("").broker.awsEngine == nil)
        let aws = try #require(
            try parse(
                """
                engines:
                  aws:
                    sts_region: us-east-1
                    roles: [{name: deployer, role_arn: "arn:aws:iam::123456789012:role/{{tenant}}-deployer"}]
                """
            ).broker.awsEngine)
        #expect(aws.credentials == .standardChain)
        #expect(aws.engine.stsEndpoint == nil)
        #expect(aws.engine.iamEndpoint == IAMClient.globalEndpoint)
        #expect(aws.engine.timeout == .seconds(10))
    }

    @Test("pending_grace must outlast the aws engine's longest issue; the error names both values")
    func pendingGraceOutlastsTheEngine() throws {
        func configuration(grace: String?, timeout: String) -> String {
            """
            engines:
              aws:
                sts_region: us-east-1
                timeout: \(timeout)
                roles: [{name: deployer, role_arn: "arn:aws:iam::123456789012:role/{{tenant}}-deployer"}]
            \(grace.map { "leases: {pending_grace: \($0)}" } ?? "")
            """
        }
        for (grace, timeout) in [("1s", "10s"), ("20s", "10s"), (nil, "60s")] {
            let error = #expect(throws: LessorError.self, "\(grace ?? "default") with \(timeout)") {
                try parse(configuration(grace: grace, timeout: timeout))
            }
            #expect(error?.code == .configInvalid)
            #expect(error?.message.contains("pending_grace (\(grace?.dropLast() ?? "120")s)") == true)
            #expect(error?.message.contains("timeout \(timeout)") == true)
        }
        #expect(try parse(configuration(grace: "21s", timeout: "10s")).broker.pendingGrace == .seconds(21))
        #expect(try parse(configuration(grace: nil, timeout: "10s")).broker.pendingGrace == .seconds(120))
    }

    @Test("Each credentials source takes its own keys")
    func credentialSources() throws {
        func source(_ yaml: String) throws -> AWSCredentialsProvider.Selection? {
            try parse(
                """
                engines:
                  aws:
                    sts_region: us-east-1
                    credentials: \(yaml)
                    roles: [{name: deployer, role_arn: "arn:aws:iam::123456789012:role/{{tenant}}-deployer"}]
                """
            ).broker.awsEngine?.credentials
        }
        #expect(try source("{source: environment}") == .environment)
        #expect(try source("{source: standard_chain}") == .standardChain)
        #expect(try source("{source: shared_file}") == .sharedFile(path: nil, profile: nil))
        #expect(
            try source("{source: web_identity, role_arn: 'arn:aws:iam::1:role/b', token_file: /var/run/token}")
                == .webIdentity(roleARN: "arn:aws:iam::1:role/b", tokenFile: "/var/run/token", sessionName: nil))
    }

    @Test(
        "Mistakes name the line and say what to write",
        arguments: [
            ("engines: {gcp: {}}", "lessor.yaml:2: engines.gcp: unknown key 'gcp'"),
            ("engines: {aws: {roles: []}}", "engines.aws: the aws engine needs sts_region"),
            ("engines: {aws: {sts_region: us-east-1}}", "needs roles"),
            ("engines: {aws: {sts_region: us-east-1, roles: []}}", "list at least one role"),
            ("engines: {aws: {sts_region: us-east-1, region: x, roles: []}}", "unknown key 'region'"),
            ("engines: {aws: {sts_region: 'US East', roles: []}}", "is not an AWS region name"),
            (
                "engines: {aws: {sts_region: us-east-1, sts_endpoint: 'http://sts.example.com', roles: []}}",
                "must use https"
            ),
            ("engines: {aws: {sts_region: us-east-1, timeout: 10 minutes, roles: []}}", "is not a duration"),
            (
                "engines: {aws: {sts_region: us-east-1, roles: [{name: d, role_arn: 'arn:aws:iam::12:role/{{tenant}}'}]}}",
                "engines.aws.roles[0]: aws engine: role d: the role ARN",
            ),
            (
                "engines: {aws: {sts_region: us-east-1, roles: [{name: d, role_arn: 'arn:aws:iam::123456789012:role/{{tenant}}', session_policy: '{not json'}]}}",
                "role d: the session policy rendered from its template is not JSON",
            ),
            (
                "engines: {aws: {sts_region: us-east-1, roles: [{name: d, role_arn: 'arn:aws:iam::123456789012:role/{{tenant}}', max_duration: 5m}]}}",
                "must be between 900 s and 43200 s",
            ),
            (
                "engines: {aws: {sts_region: us-east-1, roles: [{name: d, role_arn: 'arn:aws:iam::123456789012:role/{{tenant}}', session_policy: '{}', session_policy_file: p.json}]}}",
                "choose one of session_policy and session_policy_file",
            ),
            (
                "engines: {aws: {sts_region: us-east-1, roles: [{name: d, role_arn: 'arn:aws:iam::123456789012:role/{{tenant}}', session_policy_file: missing.json}]}}",
                "cannot read the session policy file /etc/lessor/missing.json",
            ),
            (
                "engines: {aws: {sts_region: us-east-1, roles: [{name: d, role_arn: 'arn:aws:iam::123456789012:role/{{tenant}}'}, {name: d, role_arn: 'arn:aws:iam::123456789012:role/{{tenant}}-x'}]}}",
                "role d is listed twice",
            ),
            (
                "engines: {aws: {sts_region: us-east-1, credentials: {source: vault}, roles: []}}",
                "'vault' is not a credentials source",
            ),
            (
                "engines: {aws: {sts_region: us-east-1, credentials: {source: environment, profile: x}, roles: []}}",
                "profile does not apply to source environment",
            ),
        ])
    func mistakes(section: String, expected: String) {
        let text = message(section)
        #expect(text?.contains(expected) == true, "got: \(text ?? "no error")")
    }
}

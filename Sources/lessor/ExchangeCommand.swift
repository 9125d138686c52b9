import ArgumentParser
import Foundation
import LessorCore

/// `lessor exchange --token-file F --path P [--ttl T] [--format json|env|aws-credential-process]`:
/// trades a service-account token for a credential under a lease. `aws-credential-process`
/// prints what AWS SDKs read from a profile's `credential_process`, so an `aws/roles/<role>`
/// exchange can stand behind `aws`, boto3 or Terraform unchanged.
struct ExchangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange", abstract: "Exchange a workload token for a credential under a lease.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, env
        case awsCredentialProcess = "aws-credential-process"
    }

    @OptionGroup var client: BrokerClientOptions

    @Option(help: "Tenant-relative path, e.g. token/audiences/billing.")
    var path: String

    @Option(help: "Requested TTL: seconds or 15m, 1h (cut to policy and class).")
    var ttl: String?

    @Option(
        help:
            "json (the broker's answer), env (shell export lines) or aws-credential-process (for an AWS profile's credential_process)."
    )
    var format: Format = .json

    func run() async throws {
        var body: [String: JSONValue] = [:]
        if let ttl { body["ttl"] = Int(ttl).map { .number(Double($0)) } ?? .string(ttl) }
        let trimmed = path.split(separator: "/").joined(separator: "/")
        let answer = try await BrokerClient(options: client).post("/v1/creds/\(trimmed)", json: body)
        switch format {
        case .json:
            print(LeaseCommand.render(answer))
        case .env:
            let object = answer.objectValue ?? [:]
            var lines = [
                "export LESSOR_LEASE_ID=\(Self.quoted(object["lease_id"]?.stringValue ?? ""))",
                "export LESSOR_LEASE_EXPIRES_AT=\(Self.quoted(object["expires_at"]?.stringValue ?? ""))",
            ]
            for (key, value) in (object["data"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let text = value.stringValue else { continue }
                let name = key.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
                lines.append("export LESSOR_\(String(name))=\(Self.quoted(text))")
            }
            print(lines.joined(separator: "\n"))
        case .awsCredentialProcess:
            print(try Self.credentialProcessOutput(answer, path: trimmed))
        }
    }

    /// The JSON of AWS's `credential_process` contract (`Version` 1) from an `aws/roles/...`
    /// answer's `data`; any other answer is an error that names the path, never a value.
    static func credentialProcessOutput(_ answer: JSONValue, path: String) throws -> String {
        let data = answer.objectValue?["data"]?.objectValue ?? [:]
        let fields = ["access_key_id", "secret_access_key", "expiration"]
        guard fields.allSatisfy({ data[$0]?.stringValue?.isEmpty == false }) else {
            throw CommandFailure(
                "the answer for \(path) holds no AWS credentials (data.access_key_id, data.secret_access_key, data.expiration): --format aws-credential-process needs an aws/roles/<role> path"
            )
        }
        var output: [String: JSONValue] = [
            "Version": .number(1), "AccessKeyId": data["access_key_id"] ?? .null,
            "SecretAccessKey": data["secret_access_key"] ?? .null, "Expiration": data["expiration"] ?? .null,
        ]
        if let token = data["session_token"]?.stringValue, !token.isEmpty { output["SessionToken"] = .string(token) }
        return String(decoding: AuditCanonicalJSON.encode(.object(output)), as: UTF8.self)
    }

    /// Single-quoted for POSIX shells.
    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

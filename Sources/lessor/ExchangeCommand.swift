import ArgumentParser
import Foundation
import LessorCore

/// `lessor exchange --token-file F --path P [--ttl T] [--format json|env]`: trades a
/// service-account token for a credential under a lease.
struct ExchangeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange", abstract: "Exchange a workload token for a credential under a lease.")

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, env }

    @OptionGroup var client: BrokerClientOptions

    @Option(help: "Tenant-relative path, e.g. token/audiences/billing.")
    var path: String

    @Option(help: "Requested TTL: seconds or 15m, 1h (cut to policy and class).")
    var ttl: String?

    @Option(help: "json (the broker's answer) or env (shell export lines).")
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
        }
    }

    /// Single-quoted for POSIX shells.
    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}

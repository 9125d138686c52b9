import ArgumentParser
import Foundation
import LessorAudit
import LessorBroker
import LessorCore

/// `lessor tenant offboard ID --reason R` (through the broker, with an admin token) and
/// `lessor tenant verify-certificate FILE --public-key K` (offline).
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Offboard tenants and verify their deletion certificates.",
        subcommands: [Offboard.self, VerifyCertificate.self])

    struct Offboard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cut a tenant off, revoke every live lease, destroy its data key; prints the signed certificate.")
        @OptionGroup var client: BrokerClientOptions
        @Argument(help: "The tenant id.") var tenant: String
        @Option(help: "Why (required; audited with your identity).") var reason: String
        @Option(help: "Also write the certificate to this file.") var out: String?

        func run() async throws {
            let answer = try await BrokerClient(options: client).post(
                "/v1/tenants/\(tenant)/offboard", json: ["reason": .string(reason)])
            let certificate = try DeletionCertificate(
                json: AuditCanonicalJSON.encode(answer), source: "the broker's answer")
            let bytes = certificate.encoded()
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: Data(bytes)) else {
                    throw ValidationError("cannot write \(out)")
                }
            }
            print(String(decoding: bytes, as: UTF8.self))
        }
    }

    struct VerifyCertificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-certificate", abstract: "Check a deletion certificate's signature offline.")
        @Argument(help: "The certificate file.") var file: String
        @Option(help: "The broker's public key file (the audit public-key.json).") var publicKey: String

        func run() async throws {
            do {
                let certificate = try DeletionCertificate.read(path: file)
                let key = try AuditPublicKey(file: publicKey)
                try certificate.verify(publicKey: key.key)
                print(
                    "OK: tenant \(certificate.tenantID) offboarded at \(AuditTimestamp.format(certificate.offboardedAt)), \(certificate.leasesRevoked) leases revoked, \(certificate.leasesNotRevoked) not revoked, audit sequences \(certificate.firstAuditSequence)–\(certificate.lastAuditSequence), data key destroyed: \(certificate.dataKeyDestroyed)"
                )
                for (key, value) in certificate.engineActions.sorted(by: { $0.key < $1.key }) {
                    print("  \(key): \(value)")
                }
                if !certificate.engineFailures.isEmpty {
                    print(
                        "  engines whose offboarding step failed: \(certificate.engineFailures.joined(separator: ", "))"
                    )
                }
            } catch {
                throw error.exit
            }
        }
    }
}

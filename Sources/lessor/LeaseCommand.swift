import ArgumentParser
import Foundation
import LessorCore

/// `lessor lease renew|revoke|list`: the caller's own leases.
struct LeaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lease", abstract: "Renew, revoke or list your leases.",
        subcommands: [Renew.self, Revoke.self, List.self])

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extend a lease (never past its max TTL).")
        @OptionGroup var client: BrokerClientOptions
        @Argument(help: "The lease id.") var leaseID: String
        @Option(help: "Increment: seconds or 15m, 1h (default: the lease's original TTL).") var increment: String?

        func run() async throws {
            var body: [String: JSONValue] = ["lease_id": .string(leaseID)]
            if let increment { body["increment"] = Int(increment).map { .number(Double($0)) } ?? .string(increment) }
            print(try await LeaseCommand.render(BrokerClient(options: client).post("/v1/leases/renew", json: body)))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a lease and its credential.")
        @OptionGroup var client: BrokerClientOptions
        @Argument(help: "The lease id.") var leaseID: String

        func run() async throws {
            print(
                try await LeaseCommand.render(
                    BrokerClient(options: client).post("/v1/leases/revoke", json: ["lease_id": .string(leaseID)])))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your binding's leases.")
        @OptionGroup var client: BrokerClientOptions
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            print(try await LeaseCommand.render(BrokerClient(options: client).get("/v1/leases?limit=\(limit)")))
        }
    }

    static func render(_ value: JSONValue) -> String {
        String(decoding: AuditCanonicalJSON.encode(value), as: UTF8.self)
    }
}

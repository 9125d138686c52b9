import ArgumentParser
import Foundation
import LessorConfig
import LessorCore
import LessorIdentity

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Check, test and explain policy bundles.",
        subcommands: [Check.self, Test.self, Explain.self])

    static func load(_ directory: String) throws -> PolicyBundle {
        do {
            return try PolicyBundleLoader.load(directory: directory)
        } catch {
            for issue in error.issues { printError(issue.description) }
            throw ExitCode(1)
        }
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Validate a policy directory; exit 1 listing every error (the merge gate for policy repositories).")

        @Argument(help: "The policy directory.")
        var directory: String

        func run() throws {
            let bundle = try PolicyCommand.load(directory)
            print(
                "OK: \(bundle.classes.count) classes, \(bundle.tenants.count) tenants, \(bundle.bindings.count) bindings, \(bundle.policies.count) policies"
            )
            print("digest: \(bundle.digest)")
            print("commit: \(bundle.commit ?? "none (not a git work tree)")")
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the test cases under DIR/tests against DIR.")

        @Argument(help: "The policy directory.")
        var directory: String

        func run() throws {
            let bundle = try PolicyCommand.load(directory)
            let suite: PolicyTestSuite
            do {
                suite = try PolicyTestSuite.load(directory: directory)
            } catch {
                for issue in error.issues { PolicyCommand.printError(issue.description) }
                throw ExitCode(1)
            }
            var failed = 0
            for result in suite.run(against: bundle) {
                if result.failures.isEmpty {
                    print("PASS \(result.name)")
                } else {
                    failed += 1
                    print("FAIL \(result.name) (\(result.location))")
                    for failure in result.failures { print("     \(failure)") }
                }
            }
            print("\(suite.cases.count - failed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the decision for a token and request, and why (dry run: the signature is not checked).")

        @Option(help: "The policy directory.")
        var policies = "policies"

        @Option(help: "File holding the JWT.")
        var token: String

        @Option(help: "Tenant-relative path, e.g. aws/roles/deployer.")
        var path: String

        @Option(help: "read, create, update, delete or list.")
        var capability: String

        @Option(help: "Requested TTL, e.g. 30m.")
        var ttl: String?

        @Option(help: "This broker's region, to apply residency.")
        var region: String?

        func run() throws {
            let bundle = try PolicyCommand.load(policies)
            guard let capability = Capability(rawValue: capability), capability != .deny else {
                throw ValidationError("--capability must be read, create, update, delete or list")
            }
            let requestedTTL = try ttl.map { text in
                guard let value = DurationText.parse(text) else {
                    throw ValidationError("--ttl '\(text)' is not a duration")
                }
                return value
            }
            guard let data = FileManager.default.contents(atPath: token) else {
                throw ValidationError("cannot read the token file \(token)")
            }
            let decision: PolicyDecision
            do {
                let identity = try UnverifiedIdentity.from(token: String(decoding: data, as: UTF8.self))
                let request = PolicyRequest(
                    path: try RequestPath(path), capability: capability, requestedTTL: requestedTTL)
                decision = bundle.decide(identity: identity, request: request, region: region)
                print("identity:  \(identity.subject) (issuer \(identity.issuer); signature NOT verified — dry run)")
            } catch {
                throw error.exit
            }
            print("decision:  \(decision.outcome.rawValue.uppercased())")
            print("reason:    \(decision.reason)")
            print("binding:   \(decision.binding ?? "none")\(decision.globalScope ? " (global scope)" : "")")
            print("tenant:    \(decision.tenant ?? "none")  class: \(decision.tenantClass ?? "none")")
            if decision.matchedRules.isEmpty {
                print("rules:     none matched \(path)")
            }
            for rule in decision.matchedRules {
                print(
                    "rule:      \(rule.policy): \(rule.path) [\(rule.capabilities.map(\.rawValue).joined(separator: ", "))] at \(rule.location)"
                )
            }
            if let ttl = decision.effectiveTTL {
                print("ttl:       \(ttl.components.seconds) s (limited by \(decision.ttlLimitedBy ?? "nothing"))")
            }
            print("bundle:    \(decision.bundleDigest) commit \(decision.bundleCommit ?? "none")")
        }
    }
}

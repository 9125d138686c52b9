import Foundation
public import LessorCore
import LessorIdentity

/// Test cases kept beside the policies (`tests/*.yaml`), run against a bundle the way `opa test`
/// runs Rego tests: each names an identity, a request and the decision it expects.
public struct PolicyTestSuite: Sendable {
    public struct Case: Sendable {
        public let name: String
        public let location: SourceLocation
        let identity: VerifiedIdentity
        let request: PolicyRequest
        let expectedOutcome: PolicyDecision.Outcome
        let expectedTenant: String?
        let expectedBinding: String?
        let expectedTTL: Duration?
    }

    public struct Result: Sendable {
        public let name: String
        public let location: SourceLocation
        /// Empty when the case passed.
        public let failures: [String]
        public let decision: PolicyDecision
    }

    public let cases: [Case]

    public static func load(directory: String) throws(PolicyIssues) -> PolicyTestSuite {
        let files = try PolicyBundleLoader.yamlFiles(in: directory).filter { $0.hasPrefix("tests/") }
        var cases: [Case] = []
        var issues: [PolicyIssue] = []
        for file in files {
            do {
                let root = try ConfigNode.load(yaml: try PolicyBundleLoader.read(directory, file), file: file)
                guard let tests = try root.mapping(allowed: ["tests"])["tests"] else { continue }
                for node in try tests.sequence() {
                    do {
                        cases.append(try parseCase(node))
                    } catch {
                        issues.append(PolicyIssue.from(error, file: file))
                    }
                }
            } catch {
                issues.append(PolicyIssue.from(error, file: file))
            }
        }
        guard issues.isEmpty else { throw PolicyIssues(issues) }
        return PolicyTestSuite(cases: cases)
    }

    public func run(against bundle: PolicyBundle) -> [Result] {
        cases.map { testCase in
            let decision = bundle.decide(identity: testCase.identity, request: testCase.request)
            var failures: [String] = []
            if decision.outcome != testCase.expectedOutcome {
                failures.append(
                    "expected \(testCase.expectedOutcome.rawValue), got \(decision.outcome.rawValue): \(decision.reason)"
                )
            }
            if let tenant = testCase.expectedTenant, decision.tenant != tenant {
                failures.append("expected tenant \(tenant), got \(decision.tenant ?? "none")")
            }
            if let binding = testCase.expectedBinding, decision.binding != binding {
                failures.append("expected binding \(binding), got \(decision.binding ?? "none")")
            }
            if let ttl = testCase.expectedTTL, decision.effectiveTTL != ttl {
                failures.append(
                    "expected ttl \(ttl.components.seconds) s, got \(decision.effectiveTTL.map { "\($0.components.seconds) s" } ?? "none")"
                )
            }
            return Result(name: testCase.name, location: testCase.location, failures: failures, decision: decision)
        }
    }

    private static func parseCase(_ node: ConfigNode) throws(LessorError) -> Case {
        let fields = try node.mapping(allowed: ["name", "identity", "request", "expect"])
        guard let name = fields["name"], let identityNode = fields["identity"], let requestNode = fields["request"],
            let expectNode = fields["expect"]
        else { throw node.error("a test needs name, identity, request and expect") }
        let request = try requestNode.mapping(allowed: ["path", "capability", "ttl"])
        guard let pathNode = request["path"], let capabilityNode = request["capability"] else {
            throw requestNode.error("request needs path and capability")
        }
        guard let capability = Capability(rawValue: try capabilityNode.string()) else {
            throw capabilityNode.error("unknown capability")
        }
        let path: RequestPath
        do {
            path = try RequestPath(try pathNode.string())
        } catch {
            throw pathNode.error(error.message)
        }
        let expect = try expectNode.mapping(allowed: ["decision", "tenant", "binding", "ttl"])
        guard let decisionNode = expect["decision"],
            let outcome = PolicyDecision.Outcome(rawValue: try decisionNode.string())
        else { throw expectNode.error("expect.decision must be allow or deny") }
        return Case(
            name: try name.string(), location: SourceLocation(file: node.file, line: node.line),
            identity: try identity(identityNode),
            request: PolicyRequest(
                path: path, capability: capability,
                requestedTTL: try request["ttl"]?.duration(in: .seconds(1)...Duration.seconds(43_200))),
            expectedOutcome: outcome, expectedTenant: try expect["tenant"]?.string(),
            expectedBinding: try expect["binding"]?.string(),
            expectedTTL: try expect["ttl"]?.duration(in: .seconds(1)...Duration.seconds(43_200)))
    }

    /// `{issuer, namespace, service_account, audiences}` for a Kubernetes service account, or
    /// `{claims: {...}}` for any token.
    private static func identity(_ node: ConfigNode) throws(LessorError) -> VerifiedIdentity {
        let fields = try node.mapping(allowed: ["issuer", "namespace", "service_account", "audiences", "claims"])
        let claims: [String: JSONValue]
        if let raw = fields["claims"] {
            claims = try jsonObject(raw)
        } else {
            guard let issuer = fields["issuer"], let namespace = fields["namespace"],
                let account = fields["service_account"]
            else { throw node.error("identity needs issuer, namespace and service_account, or claims") }
            claims = TokenMinter.serviceAccountClaims(
                issuer: try issuer.string(), namespace: try namespace.string(), serviceAccount: try account.string(),
                audiences: try fields["audiences"]?.strings() ?? ["lessor"], now: Date())
        }
        do {
            return try UnverifiedIdentity.from(claims: claims)
        } catch {
            throw node.error(error.message)
        }
    }

    private static func jsonObject(_ node: ConfigNode) throws(LessorError) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        for (key, value) in try node.entries() { object[key] = try json(value) }
        return object
    }

    private static func json(_ node: ConfigNode) throws(LessorError) -> JSONValue {
        if (try? node.entries()) != nil { return .object(try jsonObject(node)) }
        if let items = try? node.sequence() {
            var values: [JSONValue] = []
            for item in items { values.append(try json(item)) }
            return .array(values)
        }
        let text = try node.string()
        if let number = Double(text), !text.isEmpty, text.first!.isNumber { return .number(number) }
        return .string(text)
    }
}

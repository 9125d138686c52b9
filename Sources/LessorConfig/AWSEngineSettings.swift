import Foundation
public import LessorCore
public import LessorEngines

/// The `aws` engine as configured (`engines.aws`): its endpoints and roles, and where the
/// broker's own upstream credentials come from.
public struct AWSEngineSettings: Sendable, Hashable {
    public var engine: AWSEngineConfiguration
    public var credentials: AWSCredentialsProvider.Selection

    public init(engine: AWSEngineConfiguration, credentials: AWSCredentialsProvider.Selection = .standardChain) {
        self.engine = engine
        self.credentials = credentials
    }
}

extension AWSEngineSettings {
    /// Parses `engines.aws`. Every role is checked the way `AWSEngine.init` checks it (templates
    /// rendered for a sample tenant, durations, endpoints), so a mistake names its line.
    static func parse(_ node: ConfigNode, resolve: (String) -> String) throws(LessorError) -> AWSEngineSettings {
        let fields = try node.mapping(allowed: [
            "sts_region", "sts_endpoint", "iam_endpoint", "iam_region", "ca_bundle", "timeout", "credentials", "roles",
        ])
        guard let region = fields["sts_region"] else {
            throw node.error("the aws engine needs sts_region (the STS region, e.g. us-east-1)")
        }
        var configuration = AWSEngineConfiguration(roles: [], stsRegion: try region.string())
        if let endpoint = fields["sts_endpoint"] { configuration.stsEndpoint = try endpoint.string() }
        if let endpoint = fields["iam_endpoint"] { configuration.iamEndpoint = try endpoint.string() }
        if let region = fields["iam_region"] { configuration.iamRegion = try region.string() }
        if let bundle = fields["ca_bundle"] { configuration.caBundlePath = resolve(try bundle.string()) }
        if let timeout = fields["timeout"] {
            configuration.timeout = try timeout.duration(in: .seconds(1)...(.seconds(120)))
        }
        try check(configuration, at: node)
        let credentials = try fields["credentials"].map { node throws(LessorError) in
            try parseCredentials(node, resolve: resolve)
        }

        guard let roles = fields["roles"] else {
            throw node.error("the aws engine needs roles: a list of {name, role_arn, max_duration, session_policy}")
        }
        var names: Set<String> = []
        for roleNode in try roles.sequence() {
            let role = try parseRole(roleNode, resolve: resolve)
            guard names.insert(role.name).inserted else { throw roleNode.error("role \(role.name) is listed twice") }
            var single = configuration
            single.roles = [role]
            try check(single, at: roleNode)
            configuration.roles.append(role)
        }
        guard !configuration.roles.isEmpty else { throw roles.error("list at least one role") }
        return AWSEngineSettings(engine: configuration, credentials: credentials ?? .standardChain)
    }

    private static func parseRole(_ node: ConfigNode, resolve: (String) -> String) throws(LessorError)
        -> AWSEngineConfiguration.Role
    {
        let fields = try node.mapping(allowed: [
            "name", "role_arn", "max_duration", "session_policy", "session_policy_file",
        ])
        guard let name = fields["name"], let arn = fields["role_arn"] else {
            throw node.error(
                "each role needs name (the last segment of aws/roles/<name>) and role_arn (with {{tenant}})")
        }
        var role = AWSEngineConfiguration.Role(name: try name.string(), roleARNTemplate: try arn.string())
        if let duration = fields["max_duration"] {
            role.maxDuration = try duration.duration(
                in: .seconds(AWSEngine.minimumDuration)...(.seconds(AWSEngine.maximumDuration)))
        }
        switch (fields["session_policy"], fields["session_policy_file"]) {
        case (let text?, nil):
            role.sessionPolicyTemplate = try text.string()
        case (nil, let file?):
            let path = resolve(try file.string())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw file.error("cannot read the session policy file \(path)")
            }
            role.sessionPolicyTemplate = String(decoding: data, as: UTF8.self)
        case (_?, _?):
            throw node.error("choose one of session_policy and session_policy_file")
        case (nil, nil):
            break
        }
        return role
    }

    private static func parseCredentials(_ node: ConfigNode, resolve: (String) -> String) throws(LessorError)
        -> AWSCredentialsProvider.Selection
    {
        let sourceKeys: [String: Set<String>] = [
            "standard_chain": [], "environment": [], "shared_file": ["path", "profile"],
            "web_identity": ["role_arn", "token_file", "session_name"],
        ]
        let fields = try node.mapping(allowed: Set(sourceKeys.values.joined()).union(["source"]))
        guard let sourceNode = fields["source"] else {
            throw node.error("credentials needs source: environment, shared_file, web_identity or standard_chain")
        }
        let source = try sourceNode.string()
        guard let allowed = sourceKeys[source] else {
            throw sourceNode.error(
                "'\(source)' is not a credentials source; use environment, shared_file, web_identity or standard_chain")
        }
        let stray = fields.sorted { $0.key < $1.key }.first { $0.key != "source" && !allowed.contains($0.key) }
        if let stray {
            let key = stray.key
            throw stray.value.error(
                "\(key) does not apply to source \(source)\(allowed.isEmpty ? "" : " (it takes \(allowed.sorted().joined(separator: ", ")))")"
            )
        }
        func text(_ key: String) throws(LessorError) -> String? { try fields[key]?.string() }
        switch source {
        case "environment":
            return .environment
        case "shared_file":
            return .sharedFile(path: try text("path").map(resolve), profile: try text("profile"))
        case "web_identity":
            return .webIdentity(
                roleARN: try text("role_arn"), tokenFile: try text("token_file").map(resolve),
                sessionName: try text("session_name"))
        default:
            return .standardChain
        }
    }

    /// What `AWSEngine.init` refuses, as an error at `node`.
    private static func check(_ configuration: AWSEngineConfiguration, at node: ConfigNode) throws(LessorError) {
        do {
            _ = try AWSEngine(
                configuration: configuration, credentials: AWSCredentialsProvider(environment: [:], homeDirectory: nil))
        } catch {
            throw node.error(error.message)
        }
    }
}

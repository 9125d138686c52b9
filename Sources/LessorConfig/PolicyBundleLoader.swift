import Foundation
public import LessorCore

/// Reads a policy directory: every `.yaml` file outside `tests/` may declare `classes`, `tenants`,
/// `bindings` and `policies`. All files are validated together; the result is a bundle or every
/// problem found, each naming its file and line.
public enum PolicyBundleLoader {
    /// `verifiesClientCertificates`: whether the server that loads the bundle verifies client
    /// certificates (`server.tls.client_ca` is set). When it does not, a binding that requires one
    /// is an issue: no request could ever satisfy it. Nil (`lessor policy check`, which knows no
    /// server) leaves that to the server.
    public static func load(directory: String, verifiesClientCertificates: Bool? = nil) throws(PolicyIssues)
        -> PolicyBundle
    {
        let files = try yamlFiles(in: directory).filter { !$0.hasPrefix("tests/") }
        var classes: [TenantClass] = []
        var tenants: [TenantDeclaration] = []
        var bindings: [RoleBinding] = []
        var policies: [Policy] = []
        var issues: [PolicyIssue] = []
        for file in files {
            do {
                let root = try ConfigNode.load(yaml: try read(directory, file), file: file)
                let sections = try root.mapping(allowed: ["classes", "tenants", "bindings", "policies"])
                if let node = sections["classes"] { classes += try collect(node, issues: &issues, parseClass) }
                if let node = sections["tenants"] { tenants += try collect(node, issues: &issues, parseTenant) }
                if let node = sections["bindings"] { bindings += try collect(node, issues: &issues, parseBinding) }
                if let node = sections["policies"] { policies += try collect(node, issues: &issues, parsePolicy) }
            } catch {
                issues.append(PolicyIssue.from(error, file: file))
            }
        }
        if classes.isEmpty, issues.isEmpty {
            issues.append(
                PolicyIssue(SourceLocation(file: directory, line: 0), "no tenant classes declared; add classes.yaml"))
        }
        guard issues.isEmpty else { throw PolicyIssues(issues) }
        let digest = PolicyCanonicalForm.digest(
            classes: classes, tenants: tenants, bindings: bindings, policies: policies)
        switch PolicyBundle.validate(
            classes: classes, tenants: tenants, bindings: bindings, policies: policies, digest: digest,
            commit: GitCommit.of(directory: directory))
        {
        case .success(let bundle):
            if verifiesClientCertificates == false {
                let unsatisfiable = bundle.bindings.filter { $0.clientCertificate != nil }.map { binding in
                    PolicyIssue(
                        binding.location,
                        "binding \(binding.name) requires a client certificate, but this server verifies none: set server.tls.client_ca to the CA that signs admin clients' certificates, or drop require_client_certificate"
                    )
                }
                guard unsatisfiable.isEmpty else { throw PolicyIssues(unsatisfiable) }
            }
            return bundle
        case .failure(let problems): throw problems
        }
    }

    /// Relative paths of every `.yaml`/`.yml` file below `directory`, sorted. The directory may be a
    /// symlink (git-sync publishes one). Hidden entries are skipped: `.git`, `.github`, editors' files,
    /// and the `..data` and `..<timestamp>` directories a Kubernetes ConfigMap mount keeps beside its
    /// symlinked files, which would otherwise load every file twice.
    static func yamlFiles(in directory: String) throws(PolicyIssues) -> [String] {
        var isDirectory: ObjCBool = false
        let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue,
            let enumerator = FileManager.default.enumerator(atPath: root)
        else {
            throw PolicyIssues([PolicyIssue(SourceLocation(file: directory, line: 0), "not a readable directory")])
        }
        var files: [String] = []
        while let path = enumerator.nextObject() as? String {
            if path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            if path.hasSuffix(".yaml") || path.hasSuffix(".yml") { files.append(path) }
        }
        return files.sorted()
    }

    static func read(_ directory: String, _ file: String) throws(LessorError) -> String {
        guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)"),
            let text = String(data: data, encoding: .utf8)
        else { throw LessorError(.configInvalid, "\(file):0: cannot read the file as UTF-8") }
        return text
    }

    /// Parses each list item; an item's error is recorded and the others are still read, so one run
    /// reports every problem.
    private static func collect<T>(
        _ node: ConfigNode, issues: inout [PolicyIssue], _ parse: (ConfigNode) throws(LessorError) -> T
    ) throws(LessorError) -> [T] {
        var result: [T] = []
        for item in try node.sequence() {
            do {
                result.append(try parse(item))
            } catch {
                issues.append(PolicyIssue.from(error, file: item.file))
            }
        }
        return result
    }

    private static func location(_ node: ConfigNode) -> SourceLocation {
        SourceLocation(file: node.file, line: node.line)
    }

    static func parseClass(_ node: ConfigNode) throws(LessorError) -> TenantClass {
        let fields = try node.mapping(allowed: [
            "name", "default_ttl", "max_ttl", "engines", "residency", "audit_retention_days", "rate_limit",
            "max_leases", "isolation", "renewable",
        ])
        let name = try required(fields, "name", in: node).string()
        let rate = try required(fields, "rate_limit", in: node)
        let rateFields = try rate.mapping(allowed: ["requests_per_second", "burst"])
        let isolationNode = try required(fields, "isolation", in: node)
        guard let isolation = TenantClass.Isolation(rawValue: try isolationNode.string()) else {
            throw isolationNode.error("isolation must be pooled or siloed")
        }
        let ttlRange = Duration.seconds(1)...Duration.seconds(43_200)
        return TenantClass(
            name: name, defaultTTL: try required(fields, "default_ttl", in: node).duration(in: ttlRange),
            maxTTL: try required(fields, "max_ttl", in: node).duration(in: ttlRange),
            engines: Set(try nonEmpty(try required(fields, "engines", in: node))),
            residency: try nonEmpty(try required(fields, "residency", in: node)),
            auditRetentionDays: try required(fields, "audit_retention_days", in: node).int(in: 1...3650),
            requestsPerSecond: try required(rateFields, "requests_per_second", in: rate).int(in: 1...1_000_000),
            burst: try required(rateFields, "burst", in: rate).int(in: 1...1_000_000),
            maxLeases: try required(fields, "max_leases", in: node).int(in: 1...10_000_000),
            isolation: isolation, renewable: try fields["renewable"]?.bool() ?? true, location: location(node))
    }

    static func parseTenant(_ node: ConfigNode) throws(LessorError) -> TenantDeclaration {
        let fields = try node.mapping(allowed: ["id", "class", "residency", "policies"])
        return TenantDeclaration(
            id: try required(fields, "id", in: node).string(),
            className: try required(fields, "class", in: node).string(),
            residency: try fields["residency"].map { node throws(LessorError) in try nonEmpty(node) },
            policies: try fields["policies"]?.strings() ?? [], location: location(node))
    }

    static func parseBinding(_ node: ConfigNode) throws(LessorError) -> RoleBinding {
        let fields = try node.mapping(allowed: [
            "name", "issuer", "audiences", "bound_claims", "tenant", "tenant_from", "global_role", "policies",
            "max_token_age", "delegation", "require_client_certificate", "client_certificate_names",
        ])
        let name = try required(fields, "name", in: node).string()
        let bound = try fields["bound_claims"].map { node throws(LessorError) in try parseClaims(node) } ?? [:]
        let sources = ["tenant", "tenant_from", "global_role"].filter { fields[$0] != nil }
        guard sources.count == 1 else {
            throw node.error("binding \(name): set exactly one of tenant, tenant_from or global_role")
        }
        let tenant: RoleBinding.TenantSource
        if let fixed = fields["tenant"] {
            tenant = .fixed(try fixed.string())
        } else if let from = fields["tenant_from"] {
            let parts = try from.mapping(allowed: ["claim", "template"])
            let template = try required(parts, "template", in: from).string()
            guard template.contains("{tenant}") else {
                throw from.error("template must contain {tenant}, e.g. tenant-{tenant}")
            }
            tenant = .template(claim: ClaimPath(try required(parts, "claim", in: from).string()), template: template)
        } else {
            let roleNode = fields["global_role"]!
            guard let role = RoleBinding.GlobalRole(rawValue: try roleNode.string()) else {
                throw roleNode.error("global_role must be admin or auditor")
            }
            tenant = .global(role: role)
        }
        guard !bound.isEmpty else {
            throw node.error("binding \(name): bound_claims must constrain at least one claim (e.g. sub)")
        }
        let delegation = try fields["delegation"].map { node throws(LessorError) in try parseDelegation(node) }
        if delegation != nil, case .global = tenant {
            throw fields["delegation"]!.error(
                "binding \(name): a global binding acts for no tenant, so it cannot delegate")
        }
        let clientCertificate = try parseClientCertificate(fields, binding: name, tenant: tenant, in: node)
        return RoleBinding(
            name: name, issuer: try required(fields, "issuer", in: node).string(),
            audiences: try fields["audiences"]?.strings() ?? [], boundClaims: bound, tenant: tenant,
            policies: try nonEmpty(try required(fields, "policies", in: node)),
            maxTokenAge: try fields["max_token_age"]?.duration(in: .seconds(60)...Duration.seconds(31_536_000)),
            delegation: delegation, clientCertificate: clientCertificate, location: location(node))
    }

    /// `require_client_certificate: true` with optional `client_certificate_names` (globs over the
    /// certificate's DNS, email and URI names); only on global bindings.
    private static func parseClientCertificate(
        _ fields: [String: ConfigNode], binding name: String, tenant: RoleBinding.TenantSource, in node: ConfigNode
    ) throws(LessorError) -> ClientCertificateRequirement? {
        let names = try fields["client_certificate_names"]?.oneOrMoreStrings()
        guard let required = fields["require_client_certificate"], try required.bool() else {
            if names != nil {
                throw node.error("binding \(name): client_certificate_names needs require_client_certificate: true")
            }
            return nil
        }
        guard case .global = tenant else {
            throw required.error(
                "binding \(name): only global (admin and auditor) bindings can require a client certificate")
        }
        guard names?.allSatisfy({ !$0.isEmpty }) ?? true else {
            throw node.error("binding \(name): client_certificate_names must be non-empty globs")
        }
        return ClientCertificateRequirement(names: (names ?? []).map(ClaimGlob.init))
    }

    /// `bound_claims`: each claim name mapped to a non-empty glob or list of globs.
    private static func parseClaims(_ node: ConfigNode) throws(LessorError) -> [ClaimPath: [ClaimGlob]] {
        var bound: [ClaimPath: [ClaimGlob]] = [:]
        for (claimName, child) in try node.entries() {
            let globs = try child.oneOrMoreStrings()
            guard !claimName.isEmpty, !globs.isEmpty, globs.allSatisfy({ !$0.isEmpty }) else {
                throw child.error("bind each claim to a non-empty glob or list of globs")
            }
            bound[ClaimPath(claimName)] = globs.map(ClaimGlob.init)
        }
        return bound
    }

    /// `delegation: {actors: {issuer, bound_claims}}`. Every actor glob must pin at least one
    /// character: a glob of only `*` would admit every identity of the actor issuer.
    static func parseDelegation(_ node: ConfigNode) throws(LessorError) -> RoleBinding.Delegation {
        let fields = try node.mapping(allowed: ["actors"])
        let actorsNode = try required(fields, "actors", in: node)
        let actors = try actorsNode.mapping(allowed: ["issuer", "bound_claims"])
        let issuerNode = try required(actors, "issuer", in: actorsNode)
        let issuer = try issuerNode.string()
        guard !issuer.isEmpty else { throw issuerNode.error("name the actor tokens' exact iss") }
        let claimsNode = try required(actors, "bound_claims", in: actorsNode)
        let claims = try parseClaims(claimsNode)
        guard !claims.isEmpty else {
            throw claimsNode.error("an actor selector must constrain at least one claim (e.g. sub)")
        }
        for (claimName, child) in try claimsNode.entries() {
            for glob in try child.oneOrMoreStrings() where glob.allSatisfy({ $0 == "*" }) {
                throw child.error(
                    "actor glob '\(glob)' for \(claimName) matches every value; pin the actors it admits (e.g. system:serviceaccount:pool:*)"
                )
            }
        }
        return RoleBinding.Delegation(actorIssuer: issuer, actorClaims: claims)
    }

    static func parsePolicy(_ node: ConfigNode) throws(LessorError) -> Policy {
        let fields = try node.mapping(allowed: ["name", "scope", "rules"])
        let name = try required(fields, "name", in: node).string()
        var scope = Policy.Scope.tenant
        if let scopeNode = fields["scope"] {
            guard let parsed = Policy.Scope(rawValue: try scopeNode.string()) else {
                throw scopeNode.error("scope must be tenant or global")
            }
            scope = parsed
        }
        var rules: [Policy.Rule] = []
        for ruleNode in try required(fields, "rules", in: node).sequence() {
            let ruleFields = try ruleNode.mapping(allowed: ["path", "capabilities", "max_ttl"])
            let pathNode = try required(ruleFields, "path", in: ruleNode)
            let path: PathPattern
            switch PathPattern.parse(try pathNode.string(), global: scope == .global) {
            case .success(let parsed): path = parsed
            case .failure(let failure): throw pathNode.error(failure.message)
            }
            let capabilityNode = try required(ruleFields, "capabilities", in: ruleNode)
            var capabilities: Set<Capability> = []
            for item in try capabilityNode.sequence() {
                guard let capability = Capability(rawValue: try item.string()) else {
                    throw item.error(
                        "unknown capability; use \(Capability.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                capabilities.insert(capability)
            }
            guard !capabilities.isEmpty else { throw capabilityNode.error("list at least one capability") }
            rules.append(
                Policy.Rule(
                    path: path, capabilities: capabilities,
                    maxTTL: try ruleFields["max_ttl"]?.duration(in: .seconds(1)...Duration.seconds(43_200)),
                    location: location(ruleNode)))
        }
        guard !rules.isEmpty else { throw node.error("policy \(name) has no rules") }
        return Policy(name: name, scope: scope, rules: rules, location: location(node))
    }

    private static func required(_ fields: [String: ConfigNode], _ key: String, in node: ConfigNode) throws(LessorError)
        -> ConfigNode
    {
        guard let value = fields[key] else { throw node.error("missing required key '\(key)'") }
        return value
    }

    private static func nonEmpty(_ node: ConfigNode) throws(LessorError) -> [String] {
        let values = try node.strings()
        guard !values.isEmpty else { throw node.error("list at least one value") }
        return values
    }
}

extension PolicyIssue {
    /// A loader error turned into an issue; `ConfigNode` messages begin with `file:line: `.
    static func from(_ error: LessorError, file: String) -> PolicyIssue {
        let parts = error.message.split(separator: ":", maxSplits: 2)
        if parts.count == 3, let line = Int(parts[1]) {
            return PolicyIssue(
                SourceLocation(file: String(parts[0]), line: line),
                String(parts[2]).trimmingCharacters(in: .whitespaces))
        }
        return PolicyIssue(SourceLocation(file: file, line: 0), error.message)
    }
}

import Foundation

/// A rule's path, relative to the tenant: segments separated by `/`. In a segment, `*` matches any
/// run of characters except `/` (`app-*` matches `app-web`); a final `**` segment matches one or
/// more further segments (`aws/**` matches `aws/roles/deployer`). `{{identity.namespace}}` and
/// `{{identity.serviceaccount}}` are replaced by the caller's values before matching; a value that
/// is not a plain segment never matches, so an identity cannot widen its own rule.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case glob(ClaimGlob)
        case template(String)
        case rest
    }

    public static let templates = ["{{identity.namespace}}", "{{identity.serviceaccount}}"]

    public let text: String
    let segments: [Segment]

    public var description: String { text }

    /// Parses a rule path; returns the reason it is invalid instead when it is.
    public static func parse(_ text: String, global: Bool) -> Result<PathPattern, PolicyPathError> {
        guard !text.isEmpty, text.count <= 512 else { return .failure(.init("a path must have 1 to 512 characters")) }
        guard !text.hasPrefix("/") else {
            return .failure(.init("paths are relative to the tenant; remove the leading '/'"))
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var segments: [Segment] = []
        for (index, part) in parts.enumerated() {
            if part == "**" {
                guard index == parts.count - 1, index > 0 else {
                    return .failure(.init("'**' may only be the last segment, after at least one other"))
                }
                segments.append(.rest)
                continue
            }
            var plain = part
            for template in templates { plain = plain.replacingOccurrences(of: template, with: "x") }
            if plain.contains("{{") || plain.contains("}}") {
                return .failure(
                    .init("unknown template in '\(part)'; use \(templates.joined(separator: " or "))"))
            }
            let checked = plain.replacingOccurrences(of: "*", with: "x")
            guard RequestPath.isValidSegment(checked) else {
                return .failure(.init(RequestPath.segmentRule(part)))
            }
            if part != plain {
                segments.append(.template(part))
            } else if part.contains("*") {
                segments.append(.glob(ClaimGlob(part)))
            } else {
                segments.append(.literal(part))
            }
        }
        if !global, case .literal(let first) = segments[0], RequestPath.reservedRoots.contains(first) {
            return .failure(
                .init(
                    "'\(first)/…' names broker-wide state; only scope: global policies may use it (cross-tenant path)"))
        }
        return .success(PathPattern(text: text, segments: segments))
    }

    /// True when the request path matches, with templates filled from the identity.
    public func matches(_ path: RequestPath, identity: VerifiedIdentity) -> Bool {
        let target = path.segments
        var index = 0
        for segment in segments {
            switch segment {
            case .rest:
                return index < target.count
            case .literal(let literal):
                guard index < target.count, target[index] == literal else { return false }
            case .glob(let glob):
                guard index < target.count, glob.matches(target[index]) else { return false }
            case .template(let template):
                guard index < target.count, let expanded = Self.expand(template, identity: identity) else {
                    return false
                }
                if expanded.contains("*") {
                    guard ClaimGlob(expanded).matches(target[index]) else { return false }
                } else if expanded != target[index] {
                    return false
                }
            }
            index += 1
        }
        return index == target.count
    }

    /// The identity's values substituted; nil when any is missing or not a plain segment.
    private static func expand(_ template: String, identity: VerifiedIdentity) -> String? {
        var result = template
        let values = [identity.kubernetes?.namespace, identity.kubernetes?.serviceAccount.name]
        for (name, value) in zip(templates, values) where result.contains(name) {
            guard let value, RequestPath.isValidSegment(value) else { return nil }
            result = result.replacingOccurrences(of: name, with: value)
        }
        return result
    }
}

public struct PolicyPathError: Error, Sendable, Hashable {
    public let message: String
    init(_ message: String) { self.message = message }
}

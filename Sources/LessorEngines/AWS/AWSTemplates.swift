import Foundation
import LessorCore

/// Rendering of the per-role templates and the session name, each checked against AWS's rules.
enum AWSTemplates {
    static let placeholder = "{{tenant}}"

    /// The role ARN for `tenant`: `arn:<partition>:iam::<12-digit account>:role/<path/name>`, the
    /// name in `[\w+=,.@-]`, 20 to 2048 characters.
    static func roleARN(_ template: String, tenant: String) throws(LessorError) -> String {
        let arn = template.replacingOccurrences(of: placeholder, with: tenant)
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let valid =
            parts.count == 6 && parts[0] == "arn" && !parts[1].isEmpty && parts[2] == "iam" && parts[3].isEmpty
            && parts[4].utf8.count == 12 && parts[4].utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            && parts[5].hasPrefix("role/") && !parts[5].hasSuffix("/") && parts[5].count > 5
            && parts[5].dropFirst(5).utf8.allSatisfy { isNameByte($0) || $0 == UInt8(ascii: "/") }
            && (20...2048).contains(arn.utf8.count)
        guard valid else {
            throw LessorError(
                .engineFailure,
                "the role ARN '\(arn.prefix(256))' rendered from its template is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"
            )
        }
        return arn
    }

    /// The session policy for `tenant`: the placeholder replaced by the tenant escaped as JSON
    /// string content, then parsed (it must be a JSON object) and written compactly, within
    /// AWS's 2048 characters.
    static func sessionPolicy(_ template: String, tenant: String) throws(LessorError) -> String {
        let rendered = template.replacingOccurrences(of: placeholder, with: jsonStringContent(tenant))
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(rendered.utf8))
        } catch {
            throw LessorError(
                .engineFailure, "the session policy rendered from its template is not JSON: \(error.message)")
        }
        guard value.objectValue != nil else {
            throw LessorError(.engineFailure, "the session policy rendered from its template is not a JSON object")
        }
        let compact = String(decoding: AuditCanonicalJSON.encode(value), as: UTF8.self)
        guard compact.count <= AWSEngine.maxPolicyLength else {
            throw LessorError(
                .engineFailure,
                "the session policy is \(compact.count) characters once rendered; AWS accepts at most \(AWSEngine.maxPolicyLength)"
            )
        }
        return compact
    }

    /// The session policy `AssumeRole` gets: the role's template rendered for `tenant`, narrowed by
    /// the caller's `scopeDown`. Without a template the scope-down is the session policy (AWS
    /// intersects it with the role's own policies); with one, the scope-down may only add `Deny`
    /// statements, since a second set of `Allow`s would widen the tenant's confinement.
    static func scopedSessionPolicy(template: String?, tenant: String, scopeDown: String?) throws(LessorError)
        -> String?
    {
        let base = try template.map { template throws(LessorError) in try sessionPolicy(template, tenant: tenant) }
        guard let scopeDown else { return base }
        let narrowing = try policyDocument(scopeDown)
        guard let base else { return try compactPolicy(.object(narrowing)) }
        let added = statements(of: narrowing)
        guard added.allSatisfy({ $0.objectValue?["Effect"]?.stringValue == "Deny" }) else {
            throw LessorError(
                .policyDocumentInvalid,
                "this role's session policy is set for the tenant; a Policy may only add Deny statements to it")
        }
        guard var object = try? JSONParser.parse(Array(base.utf8)).objectValue else {
            throw LessorError(.engineFailure, "the rendered session policy is not a JSON object")
        }
        object["Statement"] = .array(statements(of: object) + added)
        return try compactPolicy(.object(object))
    }

    /// A caller's policy document checked as IAM would: a JSON object with a known `Version` if
    /// any, and one or more statements, each with `Effect` Allow or Deny, an action and a resource.
    static func policyDocument(_ text: String) throws(LessorError) -> [String: JSONValue] {
        guard text.utf8.count <= 8192, let object = try? JSONParser.parse(Array(text.utf8)).objectValue else {
            throw LessorError(.policyDocumentInvalid, "Policy must be a JSON object (an IAM policy document)")
        }
        if let version = object["Version"], version != .string("2012-10-17"), version != .string("2008-10-17") {
            throw LessorError(.policyDocumentInvalid, "Policy Version must be 2012-10-17")
        }
        let list = statements(of: object)
        guard !list.isEmpty else {
            throw LessorError(.policyDocumentInvalid, "Policy needs a Statement (an object or a non-empty array)")
        }
        for statement in list {
            guard let fields = statement.objectValue,
                fields["Effect"] == .string("Allow") || fields["Effect"] == .string("Deny"),
                (fields["Action"] != nil) != (fields["NotAction"] != nil),
                (fields["Resource"] != nil) != (fields["NotResource"] != nil)
            else {
                throw LessorError(
                    .policyDocumentInvalid,
                    "each Policy statement needs Effect (Allow or Deny), one of Action or NotAction, and one of Resource or NotResource"
                )
            }
        }
        return object
    }

    private static func statements(of object: [String: JSONValue]) -> [JSONValue] {
        switch object["Statement"] {
        case .array(let list)?: list
        case .object(let single)?: [.object(single)]
        default: []
        }
    }

    private static func compactPolicy(_ value: JSONValue) throws(LessorError) -> String {
        let compact = String(decoding: AuditCanonicalJSON.encode(value), as: UTF8.self)
        guard compact.count <= AWSEngine.maxPolicyLength else {
            throw LessorError(
                .policyDocumentInvalid,
                "the session policy would be \(compact.count) characters; AWS accepts at most \(AWSEngine.maxPolicyLength)"
            )
        }
        return compact
    }

    /// `<tenant>@<subject>` in AWS's 2–64 characters of `[\w+=,.@-]`: a Kubernetes service
    /// account subject (`system:serviceaccount:<ns>:<name>`) becomes `<ns>.<name>`, other
    /// characters become `-`, and the result is cut to 64.
    static func sessionName(tenant: String, subject: String) -> String {
        let parts = subject.split(separator: ":", omittingEmptySubsequences: false)
        let who =
            parts.count == 4 && parts[0] == "system" && parts[1] == "serviceaccount"
            ? "\(parts[2]).\(parts[3])" : subject
        let bytes = Array("\(tenant)@\(who)".utf8).map { isNameByte($0) ? $0 : UInt8(ascii: "-") }
        var name = String(decoding: bytes.prefix(64), as: UTF8.self)
        while name.utf8.count < 2 { name += "-" }
        return name
    }

    /// `[\w+=,.@-]`: ASCII letters, digits, `_`, and `+=,.@-`.
    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: "_+=,.@-".utf8.contains(byte)
        }
    }

    /// `text` escaped for the inside of a JSON string.
    static func jsonStringContent(_ text: String) -> String {
        let quoted = String(decoding: AuditCanonicalJSON.encode(.string(text)), as: UTF8.self)
        return String(quoted.dropFirst().dropLast())
    }
}

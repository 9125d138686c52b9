import Hummingbird
import LessorCore
import LessorEngines

/// The parameters of an STS `AssumeRoleWithWebIdentity` call, checked against AWS's rules.
struct AssumeRoleWithWebIdentityRequest {
    let roleARN: String
    let sessionName: String
    let webIdentityToken: String
    let durationSeconds: Int?
    let policy: String?

    static let known: Set<String> = [
        "Action", "Version", "RoleArn", "RoleSessionName", "WebIdentityToken", "DurationSeconds", "Policy",
        "ProviderId",
    ]

    init(_ fields: [String: String]) throws(STSError) {
        if let unknown = fields.keys.filter({ !Self.known.contains($0) }).sorted().first {
            let hint =
                unknown.hasPrefix("PolicyArns")
                ? ": Lessor applies no managed session policies; send the narrowing as Policy" : ""
            throw .validation("parameter \(unknown.prefix(64)) is not supported by AssumeRoleWithWebIdentity\(hint)")
        }
        roleARN = try Self.required(fields, "RoleArn", length: 20...2048)
        sessionName = try Self.required(fields, "RoleSessionName", length: 2...64)
        guard sessionName.utf8.allSatisfy(AWSEngine.isNameByte) else {
            throw .validation("RoleSessionName must match [\\w+=,.@-]*")
        }
        webIdentityToken = try Self.required(fields, "WebIdentityToken", length: 4...20_000)
        if let text = fields["DurationSeconds"] {
            guard let seconds = Int(text), (900...43_200).contains(seconds) else {
                throw .validation("DurationSeconds must be a whole number from 900 to 43200")
            }
            durationSeconds = seconds
        } else {
            durationSeconds = nil
        }
        if let text = fields["Policy"] {
            guard (1...2048).contains(text.count) else {
                throw STSError(
                    status: .badRequest, code: "MalformedPolicyDocument",
                    message: "Policy must be 1 to 2048 characters")
            }
            policy = text
        } else {
            policy = nil
        }
    }

    private static func required(_ fields: [String: String], _ name: String, length: ClosedRange<Int>)
        throws(STSError) -> String
    {
        guard let value = fields[name], !value.isEmpty else {
            throw STSError(status: .badRequest, code: "MissingParameter", message: "\(name) is required")
        }
        guard length.contains(value.count) else {
            throw .validation("\(name) must be \(length.lowerBound) to \(length.upperBound) characters")
        }
        return value
    }
}

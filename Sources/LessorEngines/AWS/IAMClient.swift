public import Foundation
public import LessorCore

/// The few IAM Query API calls (`Version=2010-05-08`) the AWS engine makes, signed with SigV4
/// (service `iam`). IAM is global: its endpoint is `https://iam.amazonaws.com` signed for
/// `us-east-1` in the commercial partition; other partitions and test servers are configurable.
public struct IAMClient: Sendable {
    public static let apiVersion = "2010-05-08"
    public static let globalEndpoint = "https://iam.amazonaws.com"
    public let endpoint: String
    private let client: AWSQueryClient

    public init(
        endpoint: String = IAMClient.globalEndpoint, region: String = "us-east-1", caBundlePath: String? = nil,
        timeout: Duration = .seconds(10), clock: WallClock = .system
    ) throws(LessorError) {
        let checked = try AWSEndpoint(endpoint, service: "IAM")
        self.endpoint = checked.url
        client = AWSQueryClient(
            endpoint: checked, region: region, service: "iam", version: Self.apiVersion, caBundlePath: caBundlePath,
            timeout: timeout, clock: clock)
    }

    /// Creates or replaces the role's inline policy `policyName`.
    public func putRolePolicy(
        roleName: String, policyName: String, policyDocument: String, credentials: AWSCredentials
    ) async throws(LessorError) {
        _ = try await client.call(
            action: "PutRolePolicy",
            parameters: [("RoleName", roleName), ("PolicyName", policyName), ("PolicyDocument", policyDocument)],
            credentials: credentials)
    }

    /// The role's inline policy document, as JSON text (IAM answers it URL-encoded).
    public func getRolePolicy(roleName: String, policyName: String, credentials: AWSCredentials)
        async throws(LessorError) -> String
    {
        let result = try await client.call(
            action: "GetRolePolicy", parameters: [("RoleName", roleName), ("PolicyName", policyName)],
            credentials: credentials)
        guard let document = result.text(at: "PolicyDocument") else {
            throw LessorError(.upstreamFailure, "IAM GetRolePolicy answered without a PolicyDocument")
        }
        if document.hasPrefix("{") { return document }
        return document.removingPercentEncoding ?? document
    }

    /// The role name of an IAM role ARN (`arn:aws:iam::123456789012:role/path/name` → `name`).
    public static func roleName(fromARN arn: String) throws(LessorError) -> String {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "iam", parts[5].hasPrefix("role/"),
            let name = parts[5].split(separator: "/").last, parts[5].count > 5
        else {
            throw LessorError(
                .configInvalid, "'\(arn.prefix(256))' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)")
        }
        return String(name)
    }
}

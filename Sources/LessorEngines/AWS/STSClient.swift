public import Foundation
public import LessorCore

/// AWS STS over its Query API (`Version=2011-06-15`): `AssumeRole` signed with SigV4 (service
/// `sts`) and the unsigned `AssumeRoleWithWebIdentity`, sent with libcurl to a configurable
/// endpoint: regional (`https://sts.<region>.amazonaws.com`), another partition's or a FIPS
/// endpoint, or a loopback test server over plain http.
public struct STSClient: Sendable {
    public static let apiVersion = "2011-06-15"
    public let endpoint: String
    public let region: String
    private let client: AWSQueryClient

    /// `endpoint` defaults to the region's endpoint (`regionalEndpoint(for:)`). `caBundlePath`
    /// replaces the system CAs.
    public init(
        region: String, endpoint: String? = nil, caBundlePath: String? = nil, timeout: Duration = .seconds(10),
        clock: WallClock = .system
    ) throws(LessorError) {
        guard !region.isEmpty,
            region.utf8.allSatisfy({
                $0 == UInt8(ascii: "-") || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39)
            })
        else {
            throw LessorError(.configInvalid, "aws engine: '\(region.prefix(64))' is not an AWS region name")
        }
        let checked = try AWSEndpoint(endpoint ?? Self.regionalEndpoint(for: region), service: "STS")
        self.endpoint = checked.url
        self.region = region
        client = AWSQueryClient(
            endpoint: checked, region: region, service: "sts", version: Self.apiVersion, caBundlePath: caBundlePath,
            timeout: timeout, clock: clock)
    }

    /// `https://sts.<region>.amazonaws.com`, or `.amazonaws.com.cn` for the China regions.
    public static func regionalEndpoint(for region: String) -> String {
        region.hasPrefix("cn-") ? "https://sts.\(region).amazonaws.com.cn" : "https://sts.\(region).amazonaws.com"
    }

    /// `AssumeRole`, signed with `credentials`.
    public func assumeRole(_ request: AssumeRoleRequest, credentials: AWSCredentials) async throws(LessorError)
        -> AssumedRole
    {
        let result = try await client.call(
            action: "AssumeRole", parameters: request.formParameters, credentials: credentials)
        return try Self.assumedRole(from: result, action: "AssumeRole")
    }

    /// `AssumeRoleWithWebIdentity`: unsigned, the token is the proof.
    public func assumeRoleWithWebIdentity(
        roleARN: String, sessionName: String, webIdentityToken: String, durationSeconds: Int? = nil
    ) async throws(LessorError) -> AssumedRole {
        var parameters = [
            ("RoleArn", roleARN), ("RoleSessionName", sessionName), ("WebIdentityToken", webIdentityToken),
        ]
        if let durationSeconds { parameters.append(("DurationSeconds", String(durationSeconds))) }
        let result = try await client.call(
            action: "AssumeRoleWithWebIdentity", parameters: parameters, credentials: nil)
        return try Self.assumedRole(from: result, action: "AssumeRoleWithWebIdentity")
    }

    static func assumedRole(from result: AWSXMLElement, action: String) throws(LessorError) -> AssumedRole {
        guard let accessKeyID = result.text(at: "Credentials", "AccessKeyId"),
            let secret = result.text(at: "Credentials", "SecretAccessKey"),
            let token = result.text(at: "Credentials", "SessionToken"),
            let expirationText = result.text(at: "Credentials", "Expiration")
        else {
            throw LessorError(.upstreamFailure, "STS \(action) answered without complete Credentials")
        }
        guard let expiration = AWSQueryClient.parseTime(expirationText) else {
            throw LessorError(
                .upstreamFailure,
                "STS \(action) answered an Expiration that is not an ISO 8601 time: '\(expirationText.prefix(64))'")
        }
        guard let arn = result.text(at: "AssumedRoleUser", "Arn"),
            let roleID = result.text(at: "AssumedRoleUser", "AssumedRoleId")
        else {
            throw LessorError(.upstreamFailure, "STS \(action) answered without AssumedRoleUser Arn and AssumedRoleId")
        }
        return AssumedRole(
            credentials: AWSCredentials(
                accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: token, expiration: expiration),
            assumedRoleARN: arn, assumedRoleID: roleID)
    }
}

/// The parameters of one `AssumeRole` call.
public struct AssumeRoleRequest: Sendable, Hashable {
    public var roleARN: String
    public var sessionName: String
    public var durationSeconds: Int
    /// A session policy (JSON): the credentials get at most what it and the role both allow.
    public var policy: String?
    /// Session tags, in order.
    public var tags: [SessionTag]

    public struct SessionTag: Sendable, Hashable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(
        roleARN: String, sessionName: String, durationSeconds: Int, policy: String? = nil, tags: [SessionTag] = []
    ) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.durationSeconds = durationSeconds
        self.policy = policy
        self.tags = tags
    }

    /// The form parameters after `Action` and `Version`, in the order sent.
    public var formParameters: [(String, String)] {
        var parameters = [
            ("RoleArn", roleARN), ("RoleSessionName", sessionName), ("DurationSeconds", String(durationSeconds)),
        ]
        if let policy { parameters.append(("Policy", policy)) }
        for (index, tag) in tags.enumerated() {
            parameters.append(("Tags.member.\(index + 1).Key", tag.key))
            parameters.append(("Tags.member.\(index + 1).Value", tag.value))
        }
        return parameters
    }
}

/// What `AssumeRole` (or `AssumeRoleWithWebIdentity`) returned.
public struct AssumedRole: Sendable, CustomStringConvertible {
    /// Temporary: session token and expiration always set.
    public var credentials: AWSCredentials
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    public var assumedRoleARN: String
    /// `<role id>:<session>`.
    public var assumedRoleID: String

    public var description: String { "AssumedRole(\(assumedRoleARN), \(credentials))" }
}

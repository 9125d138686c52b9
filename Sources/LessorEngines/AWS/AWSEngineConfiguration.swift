/// What the `aws` engine is configured with: the upstream endpoints and the roles it serves.
/// Plain values; the configuration loader builds it.
public struct AWSEngineConfiguration: Sendable, Hashable {
    /// One `aws/roles/<name>` path.
    public struct Role: Sendable, Hashable {
        /// The last segment of `aws/roles/<name>`.
        public var name: String
        /// An IAM role ARN with `{{tenant}}` placeholders:
        /// `arn:aws:iam::123456789012:role/{{tenant}}-deployer`.
        public var roleARNTemplate: String
        /// A session policy (JSON) with `{{tenant}}` placeholders, e.g. allowing
        /// `arn:aws:dynamodb:*:*:table/{{tenant}}-*`; nil sends no session policy (the role's own
        /// policies alone then bound the credentials).
        public var sessionPolicyTemplate: String?
        /// The longest the credentials may live (at most 12 hours, and the role's own maximum
        /// session duration in IAM).
        public var maxDuration: Duration

        public init(
            name: String, roleARNTemplate: String, sessionPolicyTemplate: String? = nil,
            maxDuration: Duration = .seconds(3600)
        ) {
            self.name = name
            self.roleARNTemplate = roleARNTemplate
            self.sessionPolicyTemplate = sessionPolicyTemplate
            self.maxDuration = maxDuration
        }
    }

    public var roles: [Role]
    /// The STS region (signing scope) and endpoint; nil endpoint is the region's own.
    public var stsRegion: String
    public var stsEndpoint: String?
    /// The IAM endpoint and signing region: the global endpoint signs for `us-east-1`.
    public var iamEndpoint: String
    public var iamRegion: String
    /// PEM bundle of the only CAs to trust for STS and IAM; nil trusts the system store.
    public var caBundlePath: String?
    /// Each upstream call's limit.
    public var timeout: Duration

    /// The longest an issue can take: the broker's own credentials refreshed (web identity is an
    /// STS call), then `AssumeRole`, each within `timeout`.
    public var longestIssue: Duration { timeout * 2 }

    public init(
        roles: [Role], stsRegion: String = "us-east-1", stsEndpoint: String? = nil,
        iamEndpoint: String = IAMClient.globalEndpoint, iamRegion: String = "us-east-1", caBundlePath: String? = nil,
        timeout: Duration = .seconds(10)
    ) {
        self.roles = roles
        self.stsRegion = stsRegion
        self.stsEndpoint = stsEndpoint
        self.iamEndpoint = iamEndpoint
        self.iamRegion = iamRegion
        self.caBundlePath = caBundlePath
        self.timeout = timeout
    }
}

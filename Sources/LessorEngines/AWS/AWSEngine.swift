public import Foundation
public import LessorCore
import LessorCrypto

/// The `aws` engine: `aws/roles/<role>` issues temporary AWS credentials from upstream STS
/// `AssumeRole` with the role ARN rendered for the tenant, a session name naming tenant and
/// subject, `DurationSeconds` = the lease TTL, a session policy rendered from the role's template
/// (so the credentials reach only the tenant's own resources), and the session tag `tenant`.
///
/// What revocation can and cannot do: AWS cannot revoke one set of STS credentials. Revoking a
/// single lease marks the lease revoked in Lessor (introspection and the audit log say so) and
/// succeeds here, but the credentials keep working upstream until they expire, at most the lease
/// TTL. To cut a tenant off, `revokeOlderSessions` attaches AWS's "revoke older sessions" deny to
/// the tenant's roles: every session issued before a time stops working (IAM may take a few
/// minutes to apply it), including any other session of those roles issued before then.
/// Credentials cannot be renewed either: a longer lease needs new credentials.
public struct AWSEngine: CredentialEngine {
    public let name = "aws"
    public let supportsRenewal = false
    public let configuration: AWSEngineConfiguration
    /// The inline policy `revokeOlderSessions` puts on each role.
    public static let revokePolicyName = "lessor-revoke-older-sessions"
    /// AWS STS's bounds on `DurationSeconds`.
    public static let minimumDuration = 900
    public static let maximumDuration = 43_200
    /// AWS's limit on a plain-text session policy.
    public static let maxPolicyLength = 2048

    private let roles: [String: AWSEngineConfiguration.Role]
    private let credentials: AWSCredentialsProvider
    private let sts: STSClient
    private let iam: IAMClient

    /// Checks every role's templates (rendered for a sample tenant) and the endpoints.
    public init(configuration: AWSEngineConfiguration, credentials: AWSCredentialsProvider, clock: WallClock = .system)
        throws(LessorError)
    {
        var roles: [String: AWSEngineConfiguration.Role] = [:]
        for role in configuration.roles {
            guard !role.name.isEmpty, !role.name.contains("/"), roles[role.name] == nil else {
                throw LessorError(
                    .configInvalid, "aws engine: role name '\(role.name.prefix(64))' is empty, contains '/' or repeats")
            }
            let seconds = Int(role.maxDuration.components.seconds)
            guard (Self.minimumDuration...Self.maximumDuration).contains(seconds) else {
                throw LessorError(
                    .configInvalid,
                    "aws engine: role \(role.name): max duration \(seconds) s is outside AWS's 900…43200 s")
            }
            do {
                _ = try AWSTemplates.roleARN(role.roleARNTemplate, tenant: "tenant")
                if let template = role.sessionPolicyTemplate {
                    _ = try AWSTemplates.sessionPolicy(template, tenant: "tenant")
                }
            } catch {
                throw LessorError(.configInvalid, "aws engine: role \(role.name): \(error.message)")
            }
            roles[role.name] = role
        }
        self.configuration = configuration
        self.roles = roles
        self.credentials = credentials
        sts = try STSClient(
            region: configuration.stsRegion, endpoint: configuration.stsEndpoint,
            caBundlePath: configuration.caBundlePath, timeout: configuration.timeout, clock: clock)
        iam = try IAMClient(
            endpoint: configuration.iamEndpoint, region: configuration.iamRegion,
            caBundlePath: configuration.caBundlePath, timeout: configuration.timeout, clock: clock)
    }

    public func issue(_ request: CredentialRequest) async throws(LessorError) -> IssuedCredential {
        let assumeRole = try assumeRoleRequest(for: request)
        let assumed = try await sts.assumeRole(assumeRole, credentials: try await credentials.credentials())
        let expiration = assumed.credentials.expiration ?? request.lease.expiresAt
        let handle = AWSRevocationHandle(
            roleARN: assumeRole.roleARN, accessKeyID: assumed.credentials.accessKeyID,
            secretAccessKey: assumed.credentials.secretAccessKey, expiration: expiration,
            assumedRoleARN: assumed.assumedRoleARN, assumedRoleID: assumed.assumedRoleID,
            sessionTokenSHA256: assumed.credentials.sessionToken.map { Digest.sha256Hex(Array($0.utf8)) })
        return IssuedCredential(
            data: [
                "access_key_id": .string(assumed.credentials.accessKeyID),
                "secret_access_key": .string(assumed.credentials.secretAccessKey),
                "session_token": .string(assumed.credentials.sessionToken ?? ""),
                "expiration": .string(AWSQueryClient.formatTime(expiration)),
                "assumed_role_arn": .string(assumed.assumedRoleARN),
                "assumed_role_id": .string(assumed.assumedRoleID),
            ],
            revocationHandle: handle.encoded, lookupKey: assumed.credentials.accessKeyID)
    }

    /// The `AssumeRole` call `issue` makes for `request`: the role's templates rendered for the
    /// lease's tenant, the session name, the duration and the `tenant` session tag.
    public func assumeRoleRequest(for request: CredentialRequest) throws(LessorError) -> AssumeRoleRequest {
        let path = request.enginePath
        guard path.count == 2, path[0] == "roles", !path[1].isEmpty else {
            let given = ([name] + path).joined(separator: "/")
            throw LessorError(
                .requestInvalid, "the aws engine serves aws/roles/<role> only, not '\(given.prefix(256))'")
        }
        guard let role = roles[path[1]] else {
            throw LessorError(.requestInvalid, "the aws engine has no role '\(path[1].prefix(64))'")
        }
        let lease = request.lease
        let ttl = Int(lease.expiresAt.timeIntervalSince(lease.issuedAt).rounded(.down))
        guard ttl >= Self.minimumDuration else {
            throw LessorError(
                .requestInvalid,
                "AWS STS issues credentials for at least \(Self.minimumDuration) s (15 min) but this lease's TTL is \(ttl) s; request a TTL of at least 15m"
            )
        }
        let duration = min(ttl, Int(role.maxDuration.components.seconds), Self.maximumDuration)
        return AssumeRoleRequest(
            roleARN: try AWSTemplates.roleARN(role.roleARNTemplate, tenant: lease.tenantID),
            sessionName: AWSTemplates.sessionName(tenant: lease.tenantID, subject: request.identity.subject),
            durationSeconds: duration,
            policy: try AWSTemplates.scopedSessionPolicy(
                template: role.sessionPolicyTemplate, tenant: lease.tenantID, scopeDown: request.scopeDown),
            tags: [AssumeRoleRequest.SessionTag(key: "tenant", value: lease.tenantID)])
    }

    /// STS credentials cannot be extended.
    public func renew(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) -> [String: JSONValue]? {
        throw LessorError(
            .leaseNotRenewable, "AWS STS credentials cannot be extended; request new credentials for \(lease.path)")
    }

    /// Succeeds without calling AWS: STS credentials cannot be revoked one by one (see the type's
    /// documentation). The lease is marked revoked by the broker; the credentials expire on their own.
    public func revoke(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) {}

    /// The role's maximum session (`max_duration`): STS issues nothing longer.
    public func maximumTTL(enginePath: [String]) -> Duration? {
        guard enginePath.count == 2, enginePath[0] == "roles", let role = roles[enginePath[1]] else { return nil }
        return role.maxDuration
    }

    /// Offboarding: attaches the revoke-older-sessions deny (cutoff `at`) to every role rendered
    /// for the tenant, so credentials issued before it stop working although STS cannot revoke
    /// them one by one. Returns `aws_revoked_sessions_roles`: the role ARNs, comma-separated.
    public func offboard(tenantID: String, at: Date) async throws(LessorError) -> [String: String] {
        let arns = try roleARNs(forTenant: tenantID)
        guard !arns.isEmpty else { return [:] }
        let done = try await revokeOlderSessions(tenant: tenantID, roleARNs: arns, before: at)
        return [Self.revokedSessionsRolesDetail: done.joined(separator: ",")]
    }

    /// The detail `offboard` returns.
    public static let revokedSessionsRolesDetail = "aws_revoked_sessions_roles"

    /// The role ARNs of every configured role, rendered for `tenant`: what offboarding passes to
    /// `revokeOlderSessions`.
    public func roleARNs(forTenant tenant: String) throws(LessorError) -> [String] {
        var arns: [String] = []
        for role in configuration.roles {
            let arn = try AWSTemplates.roleARN(role.roleARNTemplate, tenant: tenant)
            if !arns.contains(arn) { arns.append(arn) }
        }
        return arns
    }

    /// Attaches the inline policy `lessor-revoke-older-sessions` to each role: deny everything to
    /// sessions whose `aws:TokenIssueTime` is before `before` (rounded up to the second), as AWS's
    /// "revoke active sessions" does. Every role is tried; if any fails, the error names the roles
    /// that failed after the others were done. Returns the ARNs that now carry the policy.
    @discardableResult
    public func revokeOlderSessions(tenant: String, roleARNs: [String], before: Date) async throws(LessorError)
        -> [String]
    {
        let document = Self.revokeOlderSessionsPolicy(before: before)
        let upstream = try await credentials.credentials()
        var done: [String] = []
        var failures: [String] = []
        for arn in roleARNs {
            do {
                let roleName = try IAMClient.roleName(fromARN: arn)
                try await iam.putRolePolicy(
                    roleName: roleName, policyName: Self.revokePolicyName, policyDocument: document,
                    credentials: upstream)
                done.append(arn)
            } catch {
                failures.append("\(arn.prefix(256)): \(error.message)")
            }
        }
        guard failures.isEmpty else {
            throw LessorError(
                .engineFailure,
                "tenant \(tenant): revoking older AWS sessions failed for \(failures.count) of \(roleARNs.count) roles: \(failures.joined(separator: "; "))"
            )
        }
        return done
    }

    /// The deny policy `revokeOlderSessions` attaches.
    public static func revokeOlderSessionsPolicy(before: Date) -> String {
        let cutoff = Date(timeIntervalSince1970: before.timeIntervalSince1970.rounded(.up))
        let policy: JSONValue = .object([
            "Version": .string("2012-10-17"),
            "Statement": .array([
                .object([
                    "Effect": .string("Deny"), "Action": .array([.string("*")]), "Resource": .array([.string("*")]),
                    "Condition": .object([
                        "DateLessThan": .object(["aws:TokenIssueTime": .string(AWSQueryClient.formatTime(cutoff))])
                    ]),
                ])
            ]),
        ])
        return String(decoding: AuditCanonicalJSON.encode(policy), as: UTF8.self)
    }
}

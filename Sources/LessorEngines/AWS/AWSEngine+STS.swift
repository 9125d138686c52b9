public import Foundation
public import LessorCore
public import LessorCrypto

/// Who a `GetCallerIdentity` request proves to be: AWS's three fields.
public struct AWSCallerIdentity: Sendable, Hashable {
    public let account: String
    public let arn: String
    public let userID: String
}

extension AWSEngine: RoleNamedEngine {
    /// AWS's `[\w+=,.@-]` for role and session names.
    public static func isNameByte(_ byte: UInt8) -> Bool { AWSTemplates.isNameByte(byte) }

    /// `["roles", <name>]` for the configured role whose ARN, rendered for `tenant`, is exactly
    /// `upstreamName`.
    public func enginePath(forUpstreamName upstreamName: String, tenant: String) -> [String]? {
        configuration.roles.first { role in
            (try? AWSTemplates.roleARN(role.roleARNTemplate, tenant: tenant)) == upstreamName
        }.map { ["roles", $0.name] }
    }

    /// Checks a SigV4-signed STS request against the credentials of one lease (its sealed handle,
    /// already opened): the access key must be the lease's, the session token its own, the
    /// credentials unexpired at `now`, and the signature right for the lease's secret. Returns the
    /// assumed-role identity STS gave those credentials.
    public static func callerIdentity(
        of request: SigV4Request, revocationHandle: [UInt8], now: Date
    ) throws(LessorError) -> AWSCallerIdentity {
        let handle = try AWSRevocationHandle(decoding: revocationHandle)
        let authorization = try SigV4Verifier(service: "sts").verify(
            request, secretAccessKey: handle.secretAccessKey, now: now)
        guard authorization.accessKeyID == handle.accessKeyID else {
            throw LessorError(.signatureInvalid, "the access key is not one this broker issued")
        }
        if let expected = handle.sessionTokenSHA256 {
            let presented = request.values(of: "x-amz-security-token")
            guard presented.count == 1,
                ConstantTime.equal(Array(Digest.sha256Hex(Array(presented[0].utf8)).utf8), Array(expected.utf8))
            else {
                throw LessorError(.signatureInvalid, "the request does not carry these credentials' session token")
            }
        }
        guard handle.expiration > now else {
            throw LessorError(
                .tokenExpired, "these credentials expired at \(AWSQueryClient.formatTime(handle.expiration))")
        }
        let account = handle.roleARN.split(separator: ":", omittingEmptySubsequences: false).dropFirst(4).first
        return AWSCallerIdentity(
            account: account.map(String.init) ?? "", arn: handle.assumedRoleARN, userID: handle.assumedRoleID)
    }
}

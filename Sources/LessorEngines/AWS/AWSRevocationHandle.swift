public import Foundation
public import LessorCore

/// What the `aws` engine keeps for a lease, sealed by the broker with the tenant's data key: the
/// role, the assumed-role user STS answered, and the issued key pair with a digest of its session
/// token. The secret is kept so that the broker can verify SigV4 requests made with these
/// credentials (`GetCallerIdentity`); it never leaves the seal otherwise. `description` does not
/// show it.
public struct AWSRevocationHandle: Sendable, Hashable, CustomStringConvertible {
    public var roleARN: String
    public var accessKeyID: String
    public var secretAccessKey: String
    public var expiration: Date
    /// `AssumedRoleUser` as STS answered it: `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    public var assumedRoleARN: String
    public var assumedRoleID: String
    /// Lower-case hex SHA-256 of the session token; nil when STS sent none.
    public var sessionTokenSHA256: String?

    public init(
        roleARN: String, accessKeyID: String, secretAccessKey: String, expiration: Date, assumedRoleARN: String = "",
        assumedRoleID: String = "", sessionTokenSHA256: String? = nil
    ) {
        self.roleARN = roleARN
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.expiration = expiration
        self.assumedRoleARN = assumedRoleARN
        self.assumedRoleID = assumedRoleID
        self.sessionTokenSHA256 = sessionTokenSHA256
    }

    /// Canonical JSON of every field, `session_token_sha256` only when there is one.
    public var encoded: [UInt8] {
        var object: [String: JSONValue] = [
            "role_arn": .string(roleARN), "access_key_id": .string(accessKeyID),
            "secret_access_key": .string(secretAccessKey),
            "expiration": .number(expiration.timeIntervalSince1970.rounded(.down)),
            "assumed_role_arn": .string(assumedRoleARN), "assumed_role_id": .string(assumedRoleID),
        ]
        if let sessionTokenSHA256 { object["session_token_sha256"] = .string(sessionTokenSHA256) }
        return AuditCanonicalJSON.encode(.object(object))
    }

    public init(decoding bytes: [UInt8]) throws(LessorError) {
        let object: [String: JSONValue]?
        do {
            object = try JSONParser.parse(bytes).objectValue
        } catch {
            throw LessorError(.engineFailure, "an aws revocation handle is not JSON")
        }
        guard let object, let roleARN = object["role_arn"]?.stringValue,
            let accessKeyID = object["access_key_id"]?.stringValue,
            let secret = object["secret_access_key"]?.stringValue, let expiration = object["expiration"]?.numberValue
        else {
            throw LessorError(
                .engineFailure,
                "an aws revocation handle lacks role_arn, access_key_id, secret_access_key or expiration")
        }
        self.init(
            roleARN: roleARN, accessKeyID: accessKeyID, secretAccessKey: secret,
            expiration: Date(timeIntervalSince1970: expiration),
            assumedRoleARN: object["assumed_role_arn"]?.stringValue ?? "",
            assumedRoleID: object["assumed_role_id"]?.stringValue ?? "",
            sessionTokenSHA256: object["session_token_sha256"]?.stringValue)
    }

    public var description: String { "AWSRevocationHandle(\(roleARN), \(accessKeyID), secret redacted)" }
}

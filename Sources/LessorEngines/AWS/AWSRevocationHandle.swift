public import Foundation
public import LessorCore

/// What the `aws` engine keeps for a lease, sealed by the broker with the tenant's data key: the
/// role, and the issued key pair. The secret is kept so that the broker can verify SigV4
/// requests made with these credentials (`GetCallerIdentity`); it never leaves the seal
/// otherwise. `description` does not show it.
public struct AWSRevocationHandle: Sendable, Hashable, CustomStringConvertible {
    public var roleARN: String
    public var accessKeyID: String
    public var secretAccessKey: String
    public var expiration: Date

    public init(roleARN: String, accessKeyID: String, secretAccessKey: String, expiration: Date) {
        self.roleARN = roleARN
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.expiration = expiration
    }

    /// Canonical JSON: `{"access_key_id","expiration","role_arn","secret_access_key"}`.
    public var encoded: [UInt8] {
        AuditCanonicalJSON.encode(
            .object([
                "role_arn": .string(roleARN), "access_key_id": .string(accessKeyID),
                "secret_access_key": .string(secretAccessKey),
                "expiration": .number(expiration.timeIntervalSince1970.rounded(.down)),
            ]))
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
            expiration: Date(timeIntervalSince1970: expiration))
    }

    public var description: String { "AWSRevocationHandle(\(roleARN), \(accessKeyID), secret redacted)" }
}

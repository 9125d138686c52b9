import Foundation
import LessorCore
import Synchronization

/// An engine that issues AWS-style key pairs: the access key id is the lease's lookup key, and the
/// revocation handle names it (as an AWS engine's would). With `fixedKeyID`, every credential gets
/// the same access key id, as an upstream reusing keys would. It records the leases it revoked.
final class AccessKeyEngine: CredentialEngine {
    let name = "access-keys"
    let supportsRenewal = false
    let fixedKeyID: String?
    private let revokedLeases = Mutex<[String]>([])

    let longest: Duration?

    init(fixedKeyID: String? = nil, longest: Duration? = nil) {
        self.fixedKeyID = fixedKeyID
        self.longest = longest
    }

    func maximumTTL(enginePath: [String]) -> Duration? { longest }

    var revoked: [String] { revokedLeases.withLock { $0 } }

    /// A fresh access key id in AWS's shape: `AKIA` and 16 upper-case letters and digits.
    static func makeKeyID() -> String {
        "AKIA" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16)
    }

    func issue(_ request: CredentialRequest) async throws(LessorError) -> IssuedCredential {
        let keyID = fixedKeyID ?? Self.makeKeyID()
        return IssuedCredential(
            data: [
                "access_key_id": .string(keyID),
                "secret_access_key": .string("secret-\(UUID().uuidString)"),
            ],
            revocationHandle: Array("user/\(keyID)".utf8), lookupKey: keyID)
    }

    func renew(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) -> [String: JSONValue]? { nil }

    func revoke(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) {
        revokedLeases.withLock { $0.append(lease.id) }
    }
}

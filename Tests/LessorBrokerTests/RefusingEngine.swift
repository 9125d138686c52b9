import Foundation
import LessorCore
import Synchronization

/// An engine whose upstream issues but refuses every revocation, standing in for an upstream
/// that is down (the AWS and database engines' upstreams do not run on this machine). It counts
/// revocation attempts and the handles it was given.
final class RefusingEngine: CredentialEngine {
    let name = "refusing"
    let supportsRenewal = false
    private let state = Mutex<(attempts: Int, handles: [[UInt8]?])>((0, []))

    var attempts: Int { state.withLock { $0.attempts } }
    var handles: [[UInt8]?] { state.withLock { $0.handles } }

    func issue(_ request: CredentialRequest) async throws(LessorError) -> IssuedCredential {
        IssuedCredential(
            data: ["secret": .string("s3cr3t-\(request.lease.id)")],
            revocationHandle: Array("handle-\(request.lease.id)".utf8))
    }

    func renew(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) -> [String: JSONValue]? { nil }

    func revoke(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) {
        state.withLock {
            $0.attempts += 1
            $0.handles.append(revocationHandle)
        }
        throw LessorError(.engineFailure, "upstream refused the revocation")
    }
}

import Foundation
import LessorCore
import Synchronization

/// An engine with an offboarding step, standing in for the AWS engine's revoke-older-sessions:
/// it records each call and answers with `details`, or fails when `failure` is set.
final class OffboardingHookEngine: CredentialEngine {
    let name: String
    let supportsRenewal = false
    private let details: [String: String]
    private let failure: LessorError?
    private let state = Mutex<[(tenantID: String, at: Date)]>([])

    init(name: String, details: [String: String] = [:], failure: LessorError? = nil) {
        self.name = name
        self.details = details
        self.failure = failure
    }

    var calls: [(tenantID: String, at: Date)] { state.withLock { $0 } }

    func issue(_ request: CredentialRequest) async throws(LessorError) -> IssuedCredential {
        IssuedCredential(data: ["secret": .string("s3cr3t-\(request.lease.id)")], revocationHandle: nil)
    }

    func renew(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) -> [String: JSONValue]? { nil }

    func revoke(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) {}

    func offboard(tenantID: String, at: Date) async throws(LessorError) -> [String: String] {
        state.withLock { $0.append((tenantID, at)) }
        if let failure { throw failure }
        return details
    }
}

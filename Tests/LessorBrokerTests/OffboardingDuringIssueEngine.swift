import Foundation
import LessorCore
import Synchronization

/// An engine during whose `issue` the tenant's offboarding begins (through the store, as another
/// replica's offboarding would): the broker must not leave the credential it issued live.
final class OffboardingDuringIssueEngine: CredentialEngine {
    let name: String
    let supportsRenewal = false
    private let state = Mutex<(store: (any LeaseStore)?, revoked: [String])>((nil, []))

    init(name: String) {
        self.name = name
    }

    /// The store whose tenant `issue` marks offboarding (the broker's own, created after the engine).
    func attach(_ store: any LeaseStore) {
        state.withLock { $0.store = store }
    }

    /// The ids of the leases revoked through this engine.
    var revokedLeaseIDs: [String] { state.withLock { $0.revoked } }

    func issue(_ request: CredentialRequest) async throws(LessorError) -> IssuedCredential {
        guard let store = state.withLock({ $0.store }) else {
            throw LessorError(.internalFailure, "attach the broker's store before issuing")
        }
        _ = try await store.beginOffboarding(request.lease.tenantID, at: Date())
        return IssuedCredential(data: ["secret": .string("s3cr3t-\(request.lease.id)")], revocationHandle: nil)
    }

    func renew(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) -> [String: JSONValue]? { nil }

    func revoke(_ lease: Lease, revocationHandle: [UInt8]?) async throws(LessorError) {
        state.withLock { $0.revoked.append(lease.id) }
    }
}

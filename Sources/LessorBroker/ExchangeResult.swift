public import Foundation
public import LessorCore

/// What a workload gets for its token: the lease and the credential. `data` is the secret part;
/// it is never stored, logged or audited.
public struct ExchangeResult: Sendable {
    public let lease: Lease
    public let data: [String: JSONValue]
    public let decision: PolicyDecision

    public var leaseDuration: Int { max(0, Int(lease.expiresAt.timeIntervalSince(lease.issuedAt).rounded())) }
}

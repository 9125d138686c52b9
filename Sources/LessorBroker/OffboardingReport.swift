public import Foundation
public import LessorCrypto

/// What offboarding did, as the deletion certificate states it.
public struct OffboardingReport: Sendable, Hashable {
    public let tenantID: String
    public let completedAt: Date
    public let leasesRevoked: Int
    /// Leases whose engine refused revocation: retried by the sweeper, irrevocable when it gives up.
    public let leasesPending: Int
    public let firstAuditSequence: Int
    public let lastAuditSequence: Int
    public let dataKeyDestroyed: Bool
    public let reason: String
    public let requestedBy: String
}

extension OffboardingReport {
    /// The report as a deletion certificate signed with `keyPair`.
    public func certificate(signedWith keyPair: Ed25519KeyPair, keyID: String) -> DeletionCertificate {
        var certificate = DeletionCertificate(
            tenantID: tenantID, offboardedAt: completedAt, leasesRevoked: leasesRevoked,
            leasesNotRevoked: leasesPending,
            firstAuditSequence: firstAuditSequence, lastAuditSequence: lastAuditSequence,
            dataKeyDestroyed: dataKeyDestroyed, reason: reason, requestedBy: requestedBy)
        certificate.sign(with: keyPair, keyID: keyID)
        return certificate
    }
}

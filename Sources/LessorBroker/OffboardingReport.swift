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
    /// What the engines' offboarding hooks did (`aws_revoked_sessions_roles`, say): non-secret facts.
    public let engineActions: [String: String]
    /// The engines whose offboarding hook failed, sorted; their failures are audited and logged.
    public let engineFailures: [String]

    public init(
        tenantID: String, completedAt: Date, leasesRevoked: Int, leasesPending: Int, firstAuditSequence: Int,
        lastAuditSequence: Int, dataKeyDestroyed: Bool, reason: String, requestedBy: String,
        engineActions: [String: String] = [:], engineFailures: [String] = []
    ) {
        self.tenantID = tenantID
        self.completedAt = completedAt
        self.leasesRevoked = leasesRevoked
        self.leasesPending = leasesPending
        self.firstAuditSequence = firstAuditSequence
        self.lastAuditSequence = lastAuditSequence
        self.dataKeyDestroyed = dataKeyDestroyed
        self.reason = reason
        self.requestedBy = requestedBy
        self.engineActions = engineActions
        self.engineFailures = engineFailures
    }
}

extension OffboardingReport {
    /// The report as a deletion certificate signed with `keyPair`.
    public func certificate(signedWith keyPair: Ed25519KeyPair, keyID: String) -> DeletionCertificate {
        var certificate = DeletionCertificate(
            tenantID: tenantID, offboardedAt: completedAt, leasesRevoked: leasesRevoked,
            leasesNotRevoked: leasesPending,
            firstAuditSequence: firstAuditSequence, lastAuditSequence: lastAuditSequence,
            dataKeyDestroyed: dataKeyDestroyed, reason: reason, requestedBy: requestedBy,
            engineActions: engineActions, engineFailures: engineFailures)
        certificate.sign(with: keyPair, keyID: keyID)
        return certificate
    }
}

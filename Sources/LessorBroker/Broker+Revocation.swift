import Foundation
public import LessorCore
import Logging

extension Broker {
    /// Revokes an outstanding lease through its engine and records the outcome: `revoked`, or on
    /// failure `revoking` with a backed-off retry, or `irrevocable` once the attempts run out.
    /// Every outcome is audited; an irrevocable lease is logged at error level.
    func revokeOutstanding(
        _ lease: Lease, tenant: TenantRecord?, cause: String, requestID: String, subject: AuditEntry.Subject? = nil
    ) async throws(LessorError) -> LeaseState {
        let scope = AuditScope.tenant(lease.tenantID)
        do throws(LessorError) {
            let engine = try self.engine(named: lease.engine)
            var handle: [UInt8]?
            if let tenant { handle = try self.handle(of: lease, tenant: tenant) }
            try await engine.revoke(lease, revocationHandle: handle)
        } catch {
            let attempts = lease.revokeAttempts + 1
            let exhausted = attempts >= settings.maxRevokeAttempts
            let next = exhausted ? nil : clock.now.addingTimeInterval(backoff(afterAttempt: attempts).timeInterval)
            try await store.recordRevocationFailure(
                leaseID: lease.id, attempts: attempts, nextAttemptAt: next, error: error.description)
            if exhausted {
                logger.error(
                    "lease is IRREVOCABLE: its engine refused every revocation attempt; revoke it upstream by hand",
                    metadata: [
                        "request_id": "\(requestID)", "tenant_id": "\(lease.tenantID)", "engine": "\(lease.engine)",
                        "attempts": "\(attempts)",
                        "code": "\(error.code)",
                    ])
            }
            _ = try await audit.append(
                AuditEntry(
                    event: .revoke, scope: scope, requestID: requestID, subject: subject, binding: lease.binding,
                    path: lease.path, leaseID: lease.id, decision: .deny,
                    reason: exhausted
                        ? "irrevocable after \(attempts) attempts: \(error.code.rawValue)"
                        : "revocation attempt \(attempts) failed (\(error.code.rawValue)); retrying",
                    policyDigest: lease.policyDigest, details: ["cause": cause, "engine": lease.engine]))
            return exhausted ? .irrevocable : .revoking
        }
        // The record first: when no device takes it, the lease stays outstanding and the next
        // attempt revokes and records it; a lease marked revoked always has its record.
        _ = try await audit.append(
            AuditEntry(
                event: .revoke, scope: scope, requestID: requestID, subject: subject, binding: lease.binding,
                path: lease.path, leaseID: lease.id, decision: .allow, reason: cause, policyDigest: lease.policyDigest,
                details: ["engine": lease.engine]))
        _ = try await store.markRevoked(leaseIDs: [lease.id], tenantID: lease.tenantID, at: clock.now)
        return .revoked
    }

    /// The engine's revocation handle in clear; nil when there is none or the tenant's key is gone.
    func handle(of lease: Lease, tenant: TenantRecord) throws(LessorError) -> [UInt8]? {
        guard let sealed = lease.sealedRevocationHandle else { return nil }
        return try keyring.open(sealed, for: tenant)
    }

    func backoff(afterAttempt attempt: Int) -> Duration {
        let factor = 1 << min(max(attempt - 1, 0), 20)
        return min(settings.initialBackoff * factor, settings.maxBackoff)
    }
}

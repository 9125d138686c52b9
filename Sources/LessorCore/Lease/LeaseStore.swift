public import Foundation

/// The port for tenants' runtime state and leases. Implementations (SQLite, PostgreSQL) apply
/// their migrations when opened and pass the same contract suite (`StoreContract`). Every call is
/// durable when it returns. Lookups by lease id always take the tenant too: a lease of another
/// tenant is indistinguishable from one that does not exist.
public protocol LeaseStore: Sendable {
    // MARK: Tenants

    func tenant(_ id: String) async throws(LessorError) -> TenantRecord?
    /// The stored record, created `active` with `wrappedDataKey` if there is none yet.
    func ensureTenant(_ id: String, wrappedDataKey: [UInt8], at now: Date) async throws(LessorError) -> TenantRecord
    /// Moves the tenant to `offboarding` (creating the record if needed) and returns it; a tenant
    /// already offboarding or offboarded is returned unchanged. Every replica refuses it from then on.
    func beginOffboarding(_ id: String, at now: Date) async throws(LessorError) -> TenantRecord
    /// Marks the tenant `offboarded` and destroys its wrapped data key.
    func finishOffboarding(_ id: String, at now: Date) async throws(LessorError)

    // MARK: Leases

    /// Writes the durable intent (`state == .pending`) whatever its tenant's state: for tools and
    /// tests that set up leases. An exchange uses `admitIntent`.
    func insertIntent(_ lease: Lease) async throws(LessorError)
    /// Writes the durable intent (`state == .pending`) before the engine is asked, in the same write
    /// that checks its tenant is `active` and holds fewer than `liveLeaseLimit` live leases (active,
    /// unexpired at the intent's `issuedAt`). Otherwise nothing is written and the answer says why.
    /// The exchange's tenant and quota checks, so that it reads nothing on its own.
    func admitIntent(_ lease: Lease, liveLeaseLimit: Int) async throws(LessorError) -> IntentAdmission
    /// `pending` → `active` with the sealed revocation handle and, when the credential has a lookup
    /// key, its digest (`LookupDigest`: lower-case hex SHA-256, computed by the broker; the store never
    /// sees the raw key), in the same statement that checks its tenant is still `active`. Returns
    /// false if the lease is no longer pending (revoked meanwhile, e.g. by offboarding) or its tenant
    /// is no longer active: the caller must revoke what it issued. Offboarding marks the tenant
    /// before it scans for outstanding leases, so a lease is either refused here or found by the
    /// scan. A digest another lease already has is refused with `storeUnavailable`, a malformed one
    /// with `requestInvalid`; either way the lease stays pending.
    func activate(leaseID: String, sealedRevocationHandle: [UInt8]?, lookupDigest: String?) async throws(LessorError)
        -> Bool
    func lease(id: String, tenantID: String) async throws(LessorError) -> Lease?
    /// The lease, in any state, that was activated with `lookupDigest`; nil if there is none.
    ///
    /// Unlike every other lease lookup this one is not tenant-scoped: the presented credential is
    /// itself the caller's proof, and the lease names its tenant. Callers must check the lease's
    /// state and expiry (and its tenant's state) before trusting it.
    func lease(lookupDigest: String) async throws(LessorError) -> Lease?
    /// The tenant's leases in id order after `after`, optionally only one binding's; at most `limit`.
    func leases(tenantID: String, binding: String?, after: String?, limit: Int) async throws(LessorError) -> [Lease]
    /// Moves an active lease's expiry to `expiresAt` if it is still active, unexpired at `now`, and
    /// `expiresAt <= maxExpiresAt`. Returns the updated lease, or nil when it was not changed.
    func extend(leaseID: String, tenantID: String, to expiresAt: Date, at now: Date) async throws(LessorError) -> Lease?
    /// Marks the tenant's leases revoked (from any outstanding state), in one statement; a lease
    /// of another tenant is left alone. Returns how many changed.
    func markRevoked(leaseIDs: [String], tenantID: String, at now: Date) async throws(LessorError) -> Int
    /// Records a failed engine revocation: `revoking` with the next attempt time, or
    /// `irrevocable` when `nextAttemptAt` is nil.
    func recordRevocationFailure(
        leaseID: String, attempts: Int, nextAttemptAt: Date?, error: String
    ) async throws(LessorError)
    /// Claims up to `limit` leases whose revocation is due: active leases expired at `now`,
    /// `revoking` leases whose next attempt is due, and `pending` intents created before
    /// `pendingBefore` (never answered). A claimed lease's next attempt moves to `now + hold`, so
    /// another replica claiming at the same time gets other leases (`FOR UPDATE SKIP LOCKED`).
    func claimDue(now: Date, pendingBefore: Date, hold: Duration, limit: Int) async throws(LessorError) -> [Lease]
    /// Up to `limit` of the tenant's outstanding leases (pending, active or revoking) in id order
    /// after `after`, for offboarding.
    func outstandingLeases(tenantID: String, after: String?, limit: Int) async throws(LessorError) -> [Lease]
    func liveLeaseCount(tenantID: String, at now: Date) async throws(LessorError) -> Int
    /// Totals for readiness and metrics.
    func statistics(at now: Date) async throws(LessorError) -> LeaseStatistics

    // MARK: The audit log's anchor

    /// The last position the audit log named `log` reported durable; nil before its first.
    func auditAnchor(log: String) async throws(LessorError) -> AuditAnchor?
    /// Stores `anchor` as the log's position if it is further on than the stored one; with
    /// `rewinding`, replaces it whatever it was (an operator accepted a log behind its anchor).
    func recordAuditAnchor(_ anchor: AuditAnchor, log: String, rewinding: Bool, at now: Date) async throws(LessorError)
}

/// Store-wide counts.
public struct LeaseStatistics: Sendable, Hashable {
    public var live: Int
    /// Expired or revoking leases still waiting for the sweeper.
    public var revocationBacklog: Int
    public var irrevocable: Int

    public init(live: Int, revocationBacklog: Int, irrevocable: Int) {
        self.live = live
        self.revocationBacklog = revocationBacklog
        self.irrevocable = irrevocable
    }
}

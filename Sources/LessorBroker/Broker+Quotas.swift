import Foundation
public import LessorCore

extension Broker {
    /// Refuses (and records) a request over its tenant's request rate (`rate_limit` of its class,
    /// counted per replica). Every exchange calls it once, right after the tenant is known and
    /// before anything is written, so a throttled tenant costs the others no store or engine work.
    func admitRequest(
        _ caller: Caller, bound: (binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass),
        path: String
    ) async throws(LessorError) {
        let tenantClass = bound.tenantClass
        guard let wait = quotas.takeRequest(tenant: bound.tenant.id, of: tenantClass, at: clock.now) else { return }
        let error = LessorError(
            .quotaExceeded,
            "tenant \(bound.tenant.id) is over its request rate (class \(tenantClass.name): \(tenantClass.requestsPerSecond) requests/s, burst \(tenantClass.burst)); retry later",
            retryAfter: wait)
        try await refuse(
            error, caller: caller, scope: .tenant(bound.tenant.id), binding: bound.binding.name,
            path: String(path.prefix(256)), details: ["quota": "rate_limit", "class": tenantClass.name])
    }

    /// Refuses (and records) a lease its tenant has no room for: the live leases in the store plus
    /// the grants under way in this replica must stay below the class's `max_leases`. The check is
    /// exact (`LeaseStore.liveLeasesBelow`); `others` are the grants of the tenant this replica
    /// began before this one, each counted until its lease is active.
    func admitLease(
        _ caller: Caller, bound: (binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass),
        path: String, others: Int, decision: PolicyDecision
    ) async throws(LessorError) {
        let limit = bound.tenantClass.maxLeases
        if others < limit, try await store.liveLeasesBelow(limit - others, tenantID: bound.tenant.id, at: clock.now) {
            return
        }
        let error = LessorError(
            .quotaExceeded,
            "tenant \(bound.tenant.id) holds \(limit) live leases, the limit of class \(bound.tenantClass.name) (max_leases \(limit)); one frees when a lease expires or is revoked"
        )
        try await refuse(
            error, caller: caller, scope: .tenant(bound.tenant.id), binding: bound.binding.name, path: path,
            decision: decision, details: ["quota": "max_leases", "class": bound.tenantClass.name])
    }
}

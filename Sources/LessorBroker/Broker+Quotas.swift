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

    /// Records the lease intent, or refuses (and records) the exchange when its tenant is not
    /// active or has no room for the lease. Room: the live leases in the store plus the grants under
    /// way in this replica must stay below the class's `max_leases`; `others` are the grants of the
    /// tenant this replica began before this one, each counted until its lease is active. The store
    /// checks both in the intent's own write (`LeaseStore.admitIntent`), so an exchange reads nothing.
    func recordIntent(
        _ lease: Lease, caller: Caller,
        bound: (binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass), others: Int,
        decision: PolicyDecision
    ) async throws(LessorError) {
        let (binding, tenant, tenantClass) = bound
        let limit = tenantClass.maxLeases - others
        var admission = try await store.admitIntent(lease, liveLeaseLimit: limit)
        if admission == .tenantUnknown {
            _ = try await store.ensureTenant(tenant.id, wrappedDataKey: keyring.newWrappedDataKey(), at: clock.now)
            admission = try await store.admitIntent(lease, liveLeaseLimit: limit)
        }
        let error: LessorError
        var details: [String: String] = [:]
        switch admission {
        case .recorded:
            return
        case .tenantUnknown:
            error = LessorError(.tenantInactive, "tenant \(tenant.id) has no stored record: it gets no credentials")
        case .tenantInactive(let state):
            error = LessorError(.tenantInactive, "tenant \(tenant.id) is \(state.rawValue): it gets no credentials")
        case .leaseLimitReached:
            error = LessorError(
                .quotaExceeded,
                "tenant \(tenant.id) holds \(tenantClass.maxLeases) live leases, the limit of class \(tenantClass.name) (max_leases \(tenantClass.maxLeases)); one frees when a lease expires or is revoked"
            )
            details = ["quota": "max_leases", "class": tenantClass.name]
        }
        try await refuse(
            error, caller: caller, scope: .tenant(tenant.id), binding: binding.name, path: lease.path,
            decision: decision, details: details)
    }
}

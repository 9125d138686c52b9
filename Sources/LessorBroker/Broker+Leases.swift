import Foundation
public import LessorCore

extension Broker {
    /// The renewed lease, and fresh credential data when the engine re-issued it.
    public struct Renewal: Sendable {
        public let lease: Lease
        public let data: [String: JSONValue]?
    }

    /// Extends a lease of the caller's own tenant and binding by `increment` (default: its original
    /// TTL), never past its maximum. A lease of another tenant or binding answers exactly like
    /// one that does not exist.
    public func renew(_ caller: Caller, leaseID: String, increment: Duration?) async throws(LessorError) -> Renewal {
        let (lease, record, tenantClass) = try await ownLease(caller, leaseID: leaseID, event: .renew)
        let scope = AuditScope.tenant(lease.tenantID)
        func refuseRenewal(_ message: String) async throws(LessorError) -> Never {
            try await refuse(
                LessorError(.leaseNotRenewable, message), caller: caller, scope: scope, binding: lease.binding,
                path: lease.path, event: .renew, leaseID: lease.id)
        }
        let now = clock.now
        guard lease.renewable, tenantClass.renewable else {
            try await refuseRenewal("this lease is not renewable (engine \(lease.engine), class \(tenantClass.name))")
        }
        guard lease.isLive(at: now) else {
            try await refuseRenewal("this lease is \(lease.state == .active ? "expired" : lease.state.rawValue)")
        }
        // The policy that allowed the grant must still allow it.
        let decision = policies.current.decide(
            identity: caller.identity,
            request: PolicyRequest(path: try RequestPath(lease.path), capability: .read), region: settings.region)
        guard decision.isAllowed else {
            try await refuse(
                LessorError(.permissionDenied, decision.reason), caller: caller, scope: scope, binding: lease.binding,
                path: lease.path, event: .renew, leaseID: lease.id, decision: decision)
        }
        let step = increment ?? .seconds(lease.expiresAt.timeIntervalSince(lease.issuedAt))
        guard step > .zero else { try await refuseRenewal("increment must be positive") }
        let target = min(now.addingTimeInterval(step.timeInterval), lease.maxExpiresAt)
        guard target > lease.expiresAt else {
            let maxTTL = Int(lease.maxExpiresAt.timeIntervalSince(lease.issuedAt))
            try await refuseRenewal(
                lease.expiresAt >= lease.maxExpiresAt
                    ? "the lease already reaches its maximum TTL (\(maxTTL) s); request a new credential"
                    : "an increment of \(step.wholeSeconds) s from now would not extend the lease, which runs \(Int(lease.expiresAt.timeIntervalSince(now))) s more"
            )
        }
        guard let renewed = try await store.extend(leaseID: lease.id, tenantID: lease.tenantID, to: target, at: now)
        else {
            try await refuseRenewal("the lease changed while it was being renewed; it is no longer active")
        }
        let data: [String: JSONValue]?
        do {
            let engine = try self.engine(named: lease.engine)
            data = try await engine.renew(renewed, revocationHandle: try handle(of: renewed, tenant: record))
        } catch {
            try await refuse(
                error, caller: caller, scope: scope, binding: lease.binding, path: lease.path, event: .renew,
                leaseID: lease.id)
        }
        _ = try await audit.append(
            AuditEntry(
                event: .renew, scope: scope, requestID: caller.requestID, subject: caller.auditSubject,
                binding: lease.binding, path: lease.path, leaseID: lease.id,
                ttlSeconds: Int(target.timeIntervalSince(now).rounded()), decision: .allow,
                reason: "renewed until \(AuditTimestamp.format(target))", policyDigest: decision.bundleDigest,
                policyCommit: decision.bundleCommit))
        return Renewal(lease: renewed, data: data)
    }

    /// Revokes a lease of the caller's own tenant and binding through its engine. Returns the
    /// lease as stored afterwards: `revoked`, or `revoking` when the engine failed and a retry is due.
    public func revoke(_ caller: Caller, leaseID: String) async throws(LessorError) -> Lease {
        let (lease, record, _) = try await ownLease(caller, leaseID: leaseID, event: .revoke)
        guard lease.state.isOutstanding else { return lease }
        let state = try await revokeOutstanding(
            lease, tenant: record, cause: "revoked by its holder", requestID: caller.requestID,
            subject: caller.auditSubject)
        var result = lease
        result.state = state
        return result
    }

    /// The caller's own leases (its tenant and binding), in id order after `after`. Intents
    /// (`pending`: no credential was answered for them, and perhaps never will be) are left
    /// out; a page is short only at the end.
    public func leases(_ caller: Caller, after: String?, limit: Int) async throws(LessorError) -> [Lease] {
        let (binding, tenant, _) = try await tenantBinding(of: caller, path: nil)
        _ = try await activeTenant(tenant.id, caller: caller, binding: binding.name, path: nil)
        let limit = min(max(limit, 1), 1000)
        var page: [Lease] = []
        var cursor = after
        while page.count < limit {
            let batch = try await store.leases(tenantID: tenant.id, binding: binding.name, after: cursor, limit: limit)
            page += batch.lazy.filter { $0.state != .pending }.prefix(limit - page.count)
            guard batch.count == limit, let last = batch.last else { break }
            cursor = last.id
        }
        return page
    }

    /// A lease of `tenantID` by id, for introspection of a broker-issued token whose signature
    /// the caller already checked. Nil when the tenant has no such lease.
    public func lease(id: String, tenantID: String) async throws(LessorError) -> Lease? {
        try await store.lease(id: id, tenantID: tenantID)
    }

    /// Finds a lease the caller may act on, or refuses exactly as for a lease that does not exist.
    private func ownLease(_ caller: Caller, leaseID: String, event: AuditEvent) async throws(LessorError) -> (
        Lease, TenantRecord, TenantClass
    ) {
        let (binding, tenant, tenantClass) = try await tenantBinding(of: caller, path: nil)
        let record = try await activeTenant(tenant.id, caller: caller, binding: binding.name, path: nil)
        let found = Self.isWellFormed(leaseID) ? try await store.lease(id: leaseID, tenantID: tenant.id) : nil
        guard let lease = found, lease.binding == binding.name else {
            try await refuse(
                LessorError(.leaseNotFound, "no such lease for this caller"), caller: caller,
                scope: .tenant(tenant.id), binding: binding.name, event: event,
                leaseID: Self.isWellFormed(leaseID) ? leaseID : nil)
        }
        return (lease, record, tenantClass)
    }

    static func isWellFormed(_ leaseID: String) -> Bool {
        leaseID.utf8.count <= 128 && leaseID.hasPrefix("lease_")
            && leaseID.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            }
    }
}

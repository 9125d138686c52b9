import Foundation
public import LessorCore
import Logging

extension Broker {
    /// Token for credential, in the design's order: verify (done by the caller's adapter), bind,
    /// authorize, record the lease intent, issue, commit the lease, audit (fail closed), answer.
    public func exchange(_ caller: Caller, path text: String, requestedTTL: Duration?) async throws(LessorError)
        -> ExchangeResult
    {
        try await counted(path: text, error: \LessorError.self) { (labels) async throws(LessorError) in
            let bound = try await tenantBinding(of: caller, path: text)
            labels.bind(bound)
            try await admitRequest(caller, bound: bound, path: text)
            try await refuseIfDelegationOnly(caller, bound: bound, path: text)
            return try await exchange(caller, bound: bound, actor: nil, path: text, requestedTTL: requestedTTL)
        }
    }

    /// A delegation-only binding's subject asks for itself only through RFC 8693, with an actor.
    func refuseIfDelegationOnly(
        _ caller: Caller, bound: (binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass),
        path: String
    ) async throws(LessorError) {
        guard bound.binding.delegation != nil else { return }
        try await refuse(
            LessorError(
                .permissionDenied,
                "binding \(bound.binding.name) is delegation-only: exchange this token at /v1/token with an actor_token"
            ), caller: caller, scope: .tenant(bound.tenant.id), binding: bound.binding.name,
            path: String(path.prefix(256)))
    }

    /// The exchange after binding (and after `admitRequest`, which each entry point calls first):
    /// `actor` is the delegation's actor, already admitted by the binding. A delegated lease is not
    /// renewable (the lease does not keep the actor, so a renewed token could not carry `act`) and
    /// its grant record names the actor.
    func exchange(
        _ caller: Caller, bound: (binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass),
        actor: VerifiedIdentity?, path text: String, requestedTTL: Duration?, scopeDown: String? = nil,
        details extra: [String: String] = [:]
    ) async throws(LessorError) -> ExchangeResult {
        let (binding, tenant, tenantClass) = bound
        let scope = AuditScope.tenant(tenant.id)
        let path: RequestPath
        do {
            path = try RequestPath(text)
        } catch {
            try await refuse(error, caller: caller, scope: scope, binding: binding.name, path: String(text.prefix(256)))
        }
        let decision = policies.current.decide(
            identity: caller.identity,
            request: PolicyRequest(path: path, capability: .read, requestedTTL: requestedTTL),
            region: settings.region)
        guard decision.isAllowed, let decidedTTL = decision.effectiveTTL else {
            try await refuse(
                LessorError(.permissionDenied, decision.reason), caller: caller, scope: scope, binding: binding.name,
                path: path.description, decision: decision)
        }
        let engine: any CredentialEngine
        do {
            engine = try self.engine(named: path.engine)
        } catch {
            try await refuse(
                error, caller: caller, scope: scope, binding: binding.name, path: path.description, decision: decision)
        }
        // The engine's own limit (an AWS role's maximum session) cuts the policy's TTL and renewal limit.
        let engineLimit = engine.maximumTTL(enginePath: Array(path.segments.dropFirst()))
        let ttl = engineLimit.map { min(decidedTTL, $0) } ?? decidedTTL
        let renewalLimit = max(ttl, decision.maxTTL ?? ttl)
        let maxTTL = engineLimit.map { min(renewalLimit, $0) } ?? renewalLimit
        let others = quotas.beginGrant(tenant: tenant.id)
        var granting = true
        defer { if granting { quotas.endGrant(tenant: tenant.id) } }

        let now = clock.now
        var lease = Lease(
            id: LeaseID.make(at: now), tenantID: tenant.id, issuer: caller.identity.issuer,
            subject: caller.identity.subject,
            binding: binding.name, path: path.description, engine: engine.name, issuedAt: now,
            expiresAt: now.addingTimeInterval(ttl.timeInterval),
            maxExpiresAt: now.addingTimeInterval(maxTTL.timeInterval),
            renewable: engine.supportsRenewal && tenantClass.renewable && actor == nil, state: .pending,
            policyDigest: decision.bundleDigest, requestID: caller.requestID)
        try await recordIntent(lease, caller: caller, bound: bound, others: others, decision: decision)

        let credential: IssuedCredential
        do {
            credential = try await engine.issue(
                CredentialRequest(
                    lease: lease, enginePath: Array(path.segments.dropFirst()), identity: caller.identity, actor: actor,
                    scopeDown: scopeDown))
        } catch {
            _ = try? await store.markRevoked(leaseIDs: [lease.id], tenantID: lease.tenantID, at: clock.now)
            try await refuse(
                error, caller: caller, scope: scope, binding: binding.name, path: path.description, leaseID: lease.id,
                decision: decision)
        }
        let sealed: [UInt8]?
        let activated: Bool
        do {
            sealed = try await seal(credential.revocationHandle, tenantID: tenant.id)
            activated = try await store.activate(
                leaseID: lease.id, sealedRevocationHandle: sealed,
                lookupDigest: credential.lookupKey.map(Self.lookupDigest))
        } catch {
            // Not recorded as active (the handle could not be sealed, a lookup key another lease
            // has, or the store failed): the credential must not stay valid.
            _ = try? await store.markRevoked(leaseIDs: [lease.id], tenantID: lease.tenantID, at: clock.now)
            try? await engine.revoke(lease, revocationHandle: credential.revocationHandle)
            try await refuse(
                error, caller: caller, scope: scope, binding: binding.name, path: path.description, leaseID: lease.id,
                decision: decision)
        }
        // Activation checks the tenant is still active in the same statement: offboarding marks
        // the tenant before it scans for leases, so no lease activates behind the scan.
        guard activated else {
            _ = try? await store.markRevoked(leaseIDs: [lease.id], tenantID: lease.tenantID, at: clock.now)
            try? await engine.revoke(lease, revocationHandle: credential.revocationHandle)
            try await refuse(
                LessorError(.tenantInactive, "tenant \(tenant.id) was offboarded while the credential was issued"),
                caller: caller, scope: scope, binding: binding.name, path: path.description, leaseID: lease.id,
                decision: decision)
        }
        lease.state = .active
        lease.sealedRevocationHandle = sealed
        // Active in the store, so counted there from now on.
        quotas.endGrant(tenant: tenant.id)
        granting = false

        var details = extra.merging(["engine": engine.name, "class": tenantClass.name]) { _, own in own }
        if let actor { details["actor"] = Self.auditName(of: actor) }
        do {
            _ = try await audit.append(
                AuditEntry(
                    event: .grant, scope: scope, requestID: caller.requestID, subject: caller.auditSubject,
                    binding: binding.name, path: path.description, leaseID: lease.id,
                    tokenID: caller.identity.tokenID, ttlSeconds: ttl.wholeSeconds, decision: .allow,
                    reason: decision.reason, policyDigest: decision.bundleDigest, policyCommit: decision.bundleCommit,
                    details: details))
        } catch {
            // Fail closed: a credential nobody can account for must not stay valid.
            try? await engine.revoke(lease, revocationHandle: credential.revocationHandle)
            _ = try? await store.markRevoked(leaseIDs: [lease.id], tenantID: lease.tenantID, at: clock.now)
            logger.error(
                "grant not recorded by any audit device: credential revoked, request refused",
                metadata: ["request_id": "\(caller.requestID)", "tenant_id": "\(tenant.id)"])
            throw error
        }
        return ExchangeResult(lease: lease, data: credential.data, decision: decision)
    }

    /// The engine's revocation handle sealed under the tenant's data key (the tenant is read only
    /// then); nil when the engine gave none.
    private func seal(_ handle: [UInt8]?, tenantID: String) async throws(LessorError) -> [UInt8]? {
        guard let handle else { return nil }
        guard let record = try await store.tenant(tenantID) else {
            throw LessorError(.tenantInactive, "tenant \(tenantID) has no stored record: it gets no credentials")
        }
        return try keyring.seal(handle, for: record)
    }
}

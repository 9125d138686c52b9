import Foundation
public import LessorCore
import Logging

extension Broker {
    /// Token for credential: verify (done by the caller's adapter), bind, authorize, record the
    /// lease intent, issue, audit the grant (fail closed), activate the lease, answer. The grant is
    /// durable before the lease is active, so no usable credential lacks its record.
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
        await settings.faultPoint?(.intentRecorded)

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
        await settings.faultPoint?(.credentialIssued)
        let sealed: [UInt8]?
        do {
            sealed = try await seal(credential.revocationHandle, tenantID: tenant.id)
        } catch {
            await withdraw(lease, credential, engine: engine)
            try await refuse(
                error, caller: caller, scope: scope, binding: binding.name, path: path.description, leaseID: lease.id,
                decision: decision)
        }

        // The grant is durable before the lease is active: a credential that can be listed, renewed,
        // introspected or presented always has its record. A crash before the activation leaves an
        // intent, which the sweeper revokes after `pending_grace` (its record then says so).
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
            await withdraw(lease, credential, engine: engine)
            logger.error(
                "grant not recorded by any audit device: credential revoked, request refused",
                metadata: ["request_id": "\(caller.requestID)", "tenant_id": "\(tenant.id)"])
            throw error
        }
        await settings.faultPoint?(.grantRecorded)

        let refusal: LessorError?
        do {
            // Checks the tenant is still active in the same statement: offboarding marks the
            // tenant before it scans for leases, so no lease activates behind the scan.
            let activated = try await store.activate(
                leaseID: lease.id, sealedRevocationHandle: sealed,
                lookupDigest: credential.lookupKey.map(Self.lookupDigest))
            refusal = activated ? nil : try await activationRefusal(lease)
        } catch {
            // A lookup key another lease has, or the store failed.
            refusal = error
        }
        if let refusal {
            await withdraw(lease, credential, engine: engine)
            try await refuse(
                refusal, caller: caller, scope: scope, binding: binding.name, path: path.description, leaseID: lease.id,
                decision: decision, details: ["grant": "withdrawn"])
        }
        await settings.faultPoint?(.leaseActivated)
        lease.state = .active
        lease.sealedRevocationHandle = sealed
        // Active in the store, so counted there from now on.
        quotas.endGrant(tenant: tenant.id)
        granting = false
        return ExchangeResult(lease: lease, data: credential.data, decision: decision)
    }

    /// Why an intent did not activate: its tenant left `active` (offboarding revoked it), or the
    /// sweeper revoked it as never answered because the engine took longer than `pending_grace`.
    private func activationRefusal(_ lease: Lease) async throws(LessorError) -> LessorError {
        if let record = try await store.tenant(lease.tenantID), record.state != .active {
            return LessorError(
                .tenantInactive, "tenant \(lease.tenantID) was offboarded while the credential was issued")
        }
        return LessorError(
            .engineTimeout,
            "engine \(lease.engine) answered after the lease's intent was revoked as never answered "
                + "(leases.pending_grace \(settings.pendingGrace.wholeSeconds) s); the credential was revoked, retry")
    }

    /// Undoes an issued credential that must not stay valid: the intent is marked revoked and
    /// the engine revokes what it issued (best effort: the sweeper revokes an intent it finds).
    private func withdraw(_ lease: Lease, _ credential: IssuedCredential, engine: any CredentialEngine) async {
        _ = try? await store.markRevoked(leaseIDs: [lease.id], tenantID: lease.tenantID, at: clock.now)
        try? await engine.revoke(lease, revocationHandle: credential.revocationHandle)
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

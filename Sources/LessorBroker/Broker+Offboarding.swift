import Foundation
public import LessorCore
import Logging

extension Broker {
    /// Offboards a tenant: only a global admin binding (with its client certificate, when the
    /// binding requires one) whose policy allows `delete` on `tenants/<id>`, with a reason. The
    /// tenant is marked offboarding first, so every replica refuses it at once; then every outstanding lease is revoked through its engine, every
    /// engine's offboarding hook runs (the AWS engine denies the tenant's older sessions), the
    /// data key is destroyed (stored revocation handles become unreadable), and the report is
    /// returned for signing. A failing hook is audited, logged and listed in the report; it does
    /// not stop the rest. Running it again on an offboarded tenant finishes what is left.
    public func offboard(_ caller: Caller, tenantID: String, reason: String) async throws(LessorError)
        -> OffboardingReport
    {
        let path = "tenants/\(tenantID.prefix(63))"
        let event = try AuditEvent.action("tenant", "offboard")
        let binding = try await adminBinding(caller, path: path, event: event)
        guard TenantDeclaration.isValidID(tenantID) else {
            try await refuse(
                LessorError(.requestInvalid, "a tenant id is a DNS label (a-z, 0-9, '-', at most 63)"), caller: caller,
                scope: .global("admin"), binding: binding.name, path: path, event: event)
        }
        let bundle = policies.current
        let decision = bundle.decide(
            identity: caller.identity, request: PolicyRequest(path: try RequestPath(path), capability: .delete))
        guard decision.isAllowed else {
            try await refuse(
                LessorError(.permissionDenied, decision.reason), caller: caller, scope: .global("admin"),
                binding: binding.name, path: path, event: event, decision: decision)
        }
        let trimmedReason = try await adminReason(
            reason, caller: caller, scope: .tenant(tenantID), binding: binding.name, path: path, event: event,
            decision: decision)
        guard try await store.tenant(tenantID) != nil || bundle.tenants[tenantID] != nil else {
            try await refuse(
                LessorError(.requestInvalid, "tenant \(tenantID) is neither declared nor known to the store"),
                caller: caller, scope: .global("admin"), binding: binding.name, path: path, event: event,
                decision: decision)
        }

        let record = try await store.beginOffboarding(tenantID, at: clock.now)
        let first = try await audit.append(
            tenantEvent(
                "offboard", caller: caller, tenantID: tenantID, binding: binding.name, decision: decision,
                reason: trimmedReason, details: adminDetails(caller)))

        var revoked = 0
        var failed: Set<String> = []
        // Recorded but not yet marked revoked: the batch before the one under way.
        var unmarked: [String] = []
        var batch = try await store.outstandingLeases(tenantID: tenantID, after: nil, limit: Self.offboardingBatch)
        while let last = batch.last {
            // The next batch is read, and the previous one marked, while this one is revoked and
            // recorded: the read lies past the cursor, so no mark can change it.
            async let following = Self.outcome { () throws(LessorError) in
                try await self.store.outstandingLeases(tenantID: tenantID, after: last.id, limit: Self.offboardingBatch)
            }
            async let marked = Self.outcome { [unmarked] () throws(LessorError) in
                try await self.store.markRevoked(leaseIDs: unmarked, tenantID: tenantID, at: self.clock.now)
            }
            let outcome = try await revokeBatch(batch, tenant: record, requestID: caller.requestID)
            _ = try await marked.get()
            unmarked = outcome.recorded
            revoked += outcome.recorded.count
            failed.formUnion(outcome.failed)
            batch = try await following.get()
        }
        _ = try await store.markRevoked(leaseIDs: unmarked, tenantID: tenantID, at: clock.now)
        let engineOutcome = try await offboardEngines(
            tenantID: tenantID, caller: caller, binding: binding.name, decision: decision)
        try await store.finishOffboarding(tenantID, at: clock.now)
        keyring.forget(tenantID)
        let completedAt = clock.now
        var details = engineOutcome.actions
        details.merge(
            adminDetails(caller).merging([
                "leases_revoked": "\(revoked)", "leases_pending": "\(failed.count)", "data_key_destroyed": "true",
            ]) { _, new in new }
        ) { _, broker in broker }
        if !engineOutcome.failures.isEmpty {
            details["engine_failures"] = engineOutcome.failures.joined(separator: ",")
        }
        let last = try await audit.append(
            tenantEvent(
                "offboarded", caller: caller, tenantID: tenantID, binding: binding.name, decision: decision,
                reason: trimmedReason, details: details))
        logger.notice(
            "tenant offboarded",
            metadata: [
                "request_id": "\(caller.requestID)", "tenant_id": "\(tenantID)", "leases_revoked": "\(revoked)",
                "leases_pending": "\(failed.count)",
                "engine_failures": "\(engineOutcome.failures.count)",
            ])
        return OffboardingReport(
            tenantID: tenantID, completedAt: completedAt, leasesRevoked: revoked, leasesPending: failed.count,
            firstAuditSequence: first.sequence, lastAuditSequence: last.sequence, dataKeyDestroyed: true,
            reason: trimmedReason, requestedBy: caller.identity.subject, engineActions: engineOutcome.actions,
            engineFailures: engineOutcome.failures)
    }

    /// Runs every engine's offboarding hook, in name order, with the current time as the cutoff.
    /// A hook's details are kept under keys starting with its engine's name; a failure is audited
    /// as a refused `tenant.offboard_engine` and logged (code and message, which never carry
    /// secrets), and the next engine still runs.
    private func offboardEngines(tenantID: String, caller: Caller, binding: String, decision: PolicyDecision)
        async throws(LessorError) -> (actions: [String: String], failures: [String])
    {
        var actions: [String: String] = [:]
        var failures: [String] = []
        for engine in engines.values.sorted(by: { $0.name < $1.name }) {
            do throws(LessorError) {
                let details = try await engine.offboard(tenantID: tenantID, at: clock.now)
                for (key, value) in details {
                    actions[key.hasPrefix("\(engine.name)_") ? key : "\(engine.name)_\(key)"] = value
                }
            } catch {
                failures.append(engine.name)
                logger.error(
                    "an engine's offboarding step failed; what it should have cut off may work upstream until it expires",
                    metadata: [
                        "request_id": "\(caller.requestID)", "tenant_id": "\(tenantID)", "engine": "\(engine.name)",
                        "code": "\(error.code)",
                        "message": "\(error.message)",
                    ])
                var entry = try tenantEvent(
                    "offboard_engine", caller: caller, tenantID: tenantID, binding: binding, decision: decision,
                    reason:
                        "engine \(engine.name) failed to offboard the tenant: \(error.code.rawValue): \(error.message.prefix(1024))",
                    details: ["engine": engine.name, "code": error.code.rawValue, "global_scope": "admin"])
                entry.decision = .deny
                _ = try await audit.append(entry)
            }
        }
        return (actions, failures)
    }

    /// Revokes one batch concurrently through the engines and records each success; the caller
    /// marks those revoked only then, so a failed audit leaves them outstanding and a re-run
    /// revokes and records them again. Failures go through the retry path.
    private func revokeBatch(_ batch: [Lease], tenant: TenantRecord, requestID: String) async throws(LessorError)
        -> (recorded: [String], failed: [String])
    {
        let results = await withTaskGroup(of: (Lease, Bool).self) { group in
            for lease in batch {
                group.addTask {
                    do {
                        let engine = try self.engine(named: lease.engine)
                        try await engine.revoke(lease, revocationHandle: try self.handle(of: lease, tenant: tenant))
                        return (lease, true)
                    } catch {
                        return (lease, false)
                    }
                }
            }
            return await group.reduce(into: [(Lease, Bool)]()) { $0.append($1) }
        }
        let succeeded = results.filter(\.1).map(\.0)
        let entries = succeeded.map { lease in
            AuditEntry(
                event: .revoke, scope: .tenant(lease.tenantID), requestID: requestID, binding: lease.binding,
                path: lease.path, leaseID: lease.id, decision: .allow, reason: "tenant offboarded",
                policyDigest: lease.policyDigest, details: ["engine": lease.engine])
        }
        _ = try await audit.append(contentsOf: entries)
        var failed: [String] = []
        for (lease, ok) in results where !ok {
            if try await revokeOutstanding(lease, tenant: tenant, cause: "tenant offboarded", requestID: requestID)
                != .revoked
            {
                failed.append(lease.id)
            }
        }
        return (succeeded.map(\.id), failed)
    }

    /// Leases read, revoked, recorded and marked together.
    static let offboardingBatch = 1000

    /// The outcome of `body` as a value, for work that runs beside other work.
    static func outcome<Value: Sendable>(_ body: () async throws(LessorError) -> Value) async -> Result<
        Value, LessorError
    > {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }

    private func tenantEvent(
        _ action: String, caller: Caller, tenantID: String, binding: String, decision: PolicyDecision, reason: String,
        details: [String: String]
    ) throws(LessorError) -> AuditEntry {
        AuditEntry(
            event: try .action("tenant", action), scope: .tenant(tenantID), requestID: caller.requestID,
            subject: caller.auditSubject, binding: binding, path: "tenants/\(tenantID)", decision: .allow,
            reason: reason, policyDigest: decision.bundleDigest, policyCommit: decision.bundleCommit, details: details)
    }
}

import Foundation
public import LessorCore
import Logging

extension Broker {
    /// Records a refusal, logs it at debug level with the request id and the tenant (or global
    /// scope), then throws `error`. When the refusal cannot be recorded the caller gets
    /// `auditUnavailable` instead: nothing happens without a record, refusals included.
    func refuse(
        _ error: LessorError, caller: Caller, scope: AuditScope, binding: String? = nil, path: String? = nil,
        event: AuditEvent = .deny, leaseID: String? = nil, decision: PolicyDecision? = nil,
        details: [String: String] = [:]
    ) async throws(LessorError) -> Never {
        let entry = AuditEntry(
            event: event, scope: scope, requestID: caller.requestID, subject: caller.auditSubject, binding: binding,
            path: path, leaseID: leaseID, decision: .deny, reason: "\(error.code.rawValue): \(error.message)",
            policyDigest: decision?.bundleDigest ?? policies.status.digest,
            policyCommit: decision?.bundleCommit ?? policies.status.commit, details: details)
        _ = try await audit.append(entry)
        if logger.logLevel <= .debug {
            var metadata: Logger.Metadata = ["request_id": "\(caller.requestID)", "code": "\(error.code)"]
            switch scope {
            case .tenant(let id): metadata["tenant_id"] = "\(id)"
            case .global(let name): metadata["global_scope"] = "\(name)"
            }
            if let path { metadata["path"] = "\(path.prefix(256))" }
            logger.debug("refusal recorded", metadata: metadata)
        }
        throw error
    }

    /// The tenant a caller acts for, from its verified token and exactly one binding, never from
    /// the request. Callers bound to no tenant are refused (and audited).
    func tenantBinding(of caller: Caller, path: String?) async throws(LessorError) -> (
        binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass
    ) {
        switch policies.current.bind(caller.identity) {
        case .tenant(let binding, let tenant, let tenantClass):
            return (binding, tenant, tenantClass)
        case .global(let binding, _):
            try await refuse(
                LessorError(.permissionDenied, "binding \(binding.name) is global: it acts for no tenant"),
                caller: caller, scope: .global("unbound"), binding: binding.name, path: path)
        case .none(let reason, let binding):
            try await refuse(
                LessorError(.permissionDenied, reason), caller: caller, scope: .global("unbound"), binding: binding,
                path: path)
        }
    }

    /// The stored runtime state of a tenant, created on its first request.
    func activeTenant(_ id: String, caller: Caller, binding: String, path: String?) async throws(LessorError)
        -> TenantRecord
    {
        let record: TenantRecord
        if let stored = try await store.tenant(id) {
            record = stored
        } else {
            record = try await store.ensureTenant(id, wrappedDataKey: keyring.newWrappedDataKey(), at: clock.now)
        }
        guard record.state == .active else {
            try await refuse(
                LessorError(.tenantInactive, "tenant \(id) is \(record.state.rawValue): it gets no credentials"),
                caller: caller, scope: .tenant(id), binding: binding, path: path)
        }
        return record
    }
}

extension Duration {
    var wholeSeconds: Int { Int(components.seconds) }
    var timeInterval: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension Broker {
    /// Records a request refused before any identity was established (a token that failed
    /// verification), then throws `error`; `auditUnavailable` when it cannot be recorded.
    public func refuseUnauthenticated(_ error: LessorError, requestID: String, path: String?) async throws(LessorError)
        -> Never
    {
        metrics.recordUnauthenticated(code: error.code.rawValue)
        _ = try await audit.append(
            AuditEntry(
                event: .deny, scope: .global("unauthenticated"), requestID: requestID,
                path: path.map { String($0.prefix(256)) }, decision: .deny,
                reason: "\(error.code.rawValue): \(error.message)", policyDigest: policies.status.digest,
                policyCommit: policies.status.commit))
        throw error
    }
}

extension Broker {
    /// Records a request refused after authentication but before any use case ran (a body that
    /// cannot be read), under the caller's tenant when it has one, then throws `error`.
    public func refuseRequest(_ error: LessorError, caller: Caller, path: String) async throws(LessorError) -> Never {
        let scope: AuditScope
        let binding: String?
        switch policies.current.bind(caller.identity) {
        case .tenant(let bound, let tenant, _):
            scope = .tenant(tenant.id)
            binding = bound.name
        case .global(let bound, _):
            scope = .global("admin")
            binding = bound.name
        case .none(_, let name):
            scope = .global("unbound")
            binding = name
        }
        try await refuse(error, caller: caller, scope: scope, binding: binding, path: String(path.prefix(256)))
    }
}

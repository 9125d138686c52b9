import Foundation
public import LessorCore

extension Broker {
    /// The gate of every admin action: the caller's only binding is a global admin binding, and
    /// when that binding requires a client certificate (mTLS), the request came with one that
    /// verified against the client CA and whose names fit. A refusal is audited, then thrown.
    func adminBinding(_ caller: Caller, path: String, event: AuditEvent) async throws(LessorError) -> RoleBinding {
        guard case .global(let binding, let role) = policies.current.bind(caller.identity), role == .admin else {
            try await refuse(
                LessorError(.permissionDenied, "this action needs a global admin binding"), caller: caller,
                scope: .global("admin"), path: path, event: event)
        }
        if let requirement = binding.clientCertificate, let refusal = requirement.refusal(of: caller.clientCertificate)
        {
            try await refuse(
                LessorError(.permissionDenied, "binding \(binding.name): \(refusal)"), caller: caller,
                scope: .global("admin"), binding: binding.name, path: path, event: event,
                details: adminDetails(caller))
        }
        return binding
    }

    /// The reason every admin action is audited with: 1 to 1024 characters once trimmed. A missing
    /// one is refused (400 `request_invalid`) and audited with the admin's identity.
    func adminReason(
        _ reason: String, caller: Caller, scope: AuditScope, binding: String, path: String, event: AuditEvent,
        decision: PolicyDecision
    ) async throws(LessorError) -> String {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 1024 else {
            try await refuse(
                LessorError(
                    .requestInvalid,
                    "admin actions need a reason (1 to 1024 characters): send X-Lessor-Reason or use the CLI's --reason"
                ),
                caller: caller, scope: scope, binding: binding, path: path, event: event, decision: decision,
                details: adminDetails(caller))
        }
        return trimmed
    }

    /// Who acted, for every admin audit record: the token's subject and, with mTLS, the client
    /// certificate's fingerprint.
    func adminDetails(_ caller: Caller) -> [String: String] {
        var details = ["requested_by": caller.identity.subject, "global_scope": "admin"]
        if let certificate = caller.clientCertificate { details["client_certificate_sha256"] = certificate.fingerprint }
        return details
    }
}

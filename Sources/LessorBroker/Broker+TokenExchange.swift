import Foundation
public import LessorCore

/// A refused token exchange (RFC 8693, or STS `AssumeRoleWithWebIdentity`), with the step that
/// refused it, so an adapter can answer in its protocol's terms (both tell refused parties from a
/// refused target). The refusal is already recorded when this is thrown.
public struct TokenExchangeRefusal: Error, Sendable {
    public enum Stage: Sendable, Hashable {
        /// The subject binds to no tenant, or its binding refuses the actor (or its absence).
        case parties
        /// The tenant's policy, class, engine or state refuses the requested audience.
        case target
    }

    public let stage: Stage
    public let error: LessorError

    public init(_ stage: Stage, _ error: LessorError) {
        self.stage = stage
        self.error = error
    }
}

extension Broker {
    /// RFC 8693: a broker token for `audience` (`token/audiences/<audience>`) for the subject's
    /// tenant. The subject's binding decides delegation: a binding without `delegation` refuses
    /// any actor, and one with it requires an actor its selector admits. The tenant comes from the
    /// subject alone; the actor only gains the right to ask for it, and is named in the token
    /// (`act`) and in the grant record.
    public func exchangeToken(
        subject: Caller, actor: VerifiedIdentity?, audience: String, requestedTTL: Duration? = nil
    ) async throws(TokenExchangeRefusal) -> ExchangeResult {
        let path = "token/audiences/\(audience)"
        return try await counted(path: path, error: \TokenExchangeRefusal.error) {
            (labels) async throws(TokenExchangeRefusal) in
            let bound: (binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass)
            do throws(LessorError) {
                bound = try await tenantBinding(of: subject, path: String(path.prefix(256)))
                labels.bind(bound)
                try await admitRequest(subject, bound: bound, path: path)
                try await admit(actor, for: subject, binding: bound.binding, tenant: bound.tenant.id, path: path)
            } catch {
                throw TokenExchangeRefusal(.parties, error)
            }
            do throws(LessorError) {
                guard !audience.contains("/") else {
                    try await refuse(
                        LessorError(.requestInvalid, "audience must be one path segment, without '/'"),
                        caller: subject, scope: .tenant(bound.tenant.id), binding: bound.binding.name,
                        path: String(path.prefix(256)))
                }
                return try await exchange(subject, bound: bound, actor: actor, path: path, requestedTTL: requestedTTL)
            } catch {
                throw TokenExchangeRefusal(.target, error)
            }
        }
    }

    /// Refuses (and records, naming the actor) an actor the binding does not allow, or a missing
    /// actor on a delegation-only binding.
    private func admit(
        _ actor: VerifiedIdentity?, for subject: Caller, binding: RoleBinding, tenant: String, path: String
    ) async throws(LessorError) {
        let refusal: String
        switch (binding.delegation, actor) {
        case (nil, nil):
            return
        case (let delegation?, let actor?):
            guard !delegation.admits(actor) else { return }
            refusal =
                "binding \(binding.name) does not admit this actor (issuer \(actor.issuer)) to act for its subjects"
        case (nil, .some):
            refusal = "binding \(binding.name) does not allow delegation: send the subject token without an actor_token"
        case (.some, nil):
            refusal = "binding \(binding.name) is delegation-only: send the acting workload's token as actor_token"
        }
        let error = LessorError(.permissionDenied, refusal)
        _ = try await audit.append(
            AuditEntry(
                event: .deny, scope: .tenant(tenant), requestID: subject.requestID, subject: subject.auditSubject,
                binding: binding.name, path: String(path.prefix(256)), decision: .deny,
                reason: "\(error.code.rawValue): \(error.message)", policyDigest: policies.status.digest,
                policyCommit: policies.status.commit, details: actor.map { ["actor": Self.auditName(of: $0)] } ?? [:]))
        throw error
    }

    /// How an audit record names an actor: its issuer and subject.
    static func auditName(of actor: VerifiedIdentity) -> String { "\(actor.issuer) \(actor.subject)" }
}

import Foundation
public import LessorCore
import LessorCrypto

extension Broker {
    /// AWS STS `AssumeRoleWithWebIdentity`: credentials for `roleARN`, which must name one of the
    /// caller's tenant's roles in an engine that knows roles by upstream's name. The tenant comes
    /// from the caller's binding alone; an ARN that is not the tenant's is refused with one message
    /// whether it belongs to another tenant or to nobody. From there it is the exchange of
    /// `<engine>/roles/<name>`: the tenant's policy on that path decides and the TTL is cut to
    /// policy and class. The session name and a digest of any scope-down go into the grant record.
    /// A caller that binds to no tenant is refused at the `.parties` stage, everything after at
    /// `.target`.
    public func assumeRole(
        _ caller: Caller, roleARN: String, sessionName: String, requestedTTL: Duration?, scopeDown: String?
    ) async throws(TokenExchangeRefusal) -> ExchangeResult {
        try await counted(path: Self.assumeRolePath, error: \TokenExchangeRefusal.error) {
            (labels) async throws(TokenExchangeRefusal) in
            let bound: (binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass)
            do throws(LessorError) {
                bound = try await tenantBinding(of: caller, path: Self.assumeRolePath)
                labels.bind(bound)
                try await admitRequest(caller, bound: bound, path: Self.assumeRolePath)
                try await refuseIfDelegationOnly(caller, bound: bound, path: Self.assumeRolePath)
            } catch {
                throw TokenExchangeRefusal(.parties, error)
            }
            do throws(LessorError) {
                return try await assumeRole(
                    caller, bound: bound, roleARN: roleARN, sessionName: sessionName, requestedTTL: requestedTTL,
                    scopeDown: scopeDown)
            } catch {
                throw TokenExchangeRefusal(.target, error)
            }
        }
    }

    private func assumeRole(
        _ caller: Caller, bound: (binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass),
        roleARN: String, sessionName: String, requestedTTL: Duration?, scopeDown: String?
    ) async throws(LessorError) -> ExchangeResult {
        let resolved = engines.values.sorted { $0.name < $1.name }.lazy.compactMap { engine in
            (engine as? any RoleNamedEngine).flatMap { named in
                named.enginePath(forUpstreamName: roleARN, tenant: bound.tenant.id).map { [named.name] + $0 }
            }
        }.first
        guard let segments = resolved else {
            try await refuse(
                LessorError(
                    .permissionDenied,
                    "the role is not one of tenant \(bound.tenant.id)'s roles, or this broker does not serve it"),
                caller: caller, scope: .tenant(bound.tenant.id), binding: bound.binding.name, path: Self.assumeRolePath)
        }
        var details = ["role_session_name": sessionName]
        if let scopeDown { details["scope_down_sha256"] = Digest.sha256Hex(Array(scopeDown.utf8)) }
        return try await exchange(
            caller, bound: bound, actor: nil, path: segments.joined(separator: "/"), requestedTTL: requestedTTL,
            scopeDown: scopeDown, details: details)
    }

    /// Where refusals before a role is resolved are recorded.
    static let assumeRolePath = "aws/roles"
}

/// Whom an audit record concerns: one tenant, or a global scope (an admin or auditor acting
/// across tenants under an explicit global policy, or the audit log itself).
public enum AuditScope: Sendable, Hashable {
    case tenant(String)
    case global(String)

    public var tenantID: String? {
        if case .tenant(let id) = self { return id }
        return nil
    }
}

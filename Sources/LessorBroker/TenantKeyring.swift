import Foundation
public import LessorCore
public import LessorCrypto
import Synchronization

/// Per-tenant data keys, each sealed by the broker key. Revocation handles are stored sealed with
/// their tenant's data key, so destroying that one key (offboarding) makes every handle of the
/// tenant unreadable at once, in every replica and every backup of the store.
public final class TenantKeyring: Sendable {
    private let brokerKey: SecretBox
    private let opened = Mutex<[String: SecretBox]>([:])

    public init(brokerKey: SecretBox) { self.brokerKey = brokerKey }

    /// A new data key for a tenant, sealed by the broker key, ready to store.
    public func newWrappedDataKey() -> [UInt8] { brokerKey.seal(SecretBox.generateKey()) }

    /// Seals a revocation handle with the tenant's data key.
    public func seal(_ handle: [UInt8], for tenant: TenantRecord) throws(LessorError) -> [UInt8] {
        try box(for: tenant).seal(handle)
    }

    /// Opens a sealed handle; nil when the tenant's data key is gone (the handle is unreadable by design).
    public func open(_ sealed: [UInt8], for tenant: TenantRecord) throws(LessorError) -> [UInt8]? {
        guard tenant.wrappedDataKey != nil else { return nil }
        return try box(for: tenant).open(sealed)
    }

    /// Drops the cached data key, as offboarding destroys the stored one.
    public func forget(_ tenantID: String) { _ = opened.withLock { $0.removeValue(forKey: tenantID) } }

    private func box(for tenant: TenantRecord) throws(LessorError) -> SecretBox {
        if let box = opened.withLock({ $0[tenant.id] }) { return box }
        guard let wrapped = tenant.wrappedDataKey else {
            throw LessorError(.tenantInactive, "tenant \(tenant.id) has no data key: it was offboarded")
        }
        let box = try SecretBox(key: try brokerKey.open(wrapped))
        opened.withLock { $0[tenant.id] = box }
        return box
    }
}

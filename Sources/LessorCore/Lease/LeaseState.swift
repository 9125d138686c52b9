/// Where a lease is in its life. `pending` is the durable intent written before the engine is
/// asked; `revoking` means an engine revocation failed and is being retried; `irrevocable` means
/// the retries ran out and an operator must act (audited and counted, never dropped).
public enum LeaseState: String, Sendable, Hashable, CaseIterable, Codable {
    case pending
    case active
    case revoking
    case revoked
    case irrevocable

    /// States in which a credential may still exist and must eventually be revoked.
    public var isOutstanding: Bool { self == .pending || self == .active || self == .revoking }
}

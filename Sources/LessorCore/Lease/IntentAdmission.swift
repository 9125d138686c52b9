/// What `LeaseStore.admitIntent` found: the intent was recorded, or why nothing was written.
public enum IntentAdmission: Sendable, Hashable {
    case recorded
    /// The tenant has no stored record yet: create it (`ensureTenant`) and ask again.
    case tenantUnknown
    /// The tenant is offboarding or offboarded.
    case tenantInactive(TenantRecord.State)
    /// The tenant already holds `liveLeaseLimit` live leases.
    case leaseLimitReached
}

/// The durable steps of an exchange, in order: where `Broker.Settings.faultPoint` is called, so a
/// test can stop the process at each one and check what a restart finds.
public enum ExchangeStep: String, Sendable, CaseIterable {
    /// The pending intent is committed; the engine has not been asked.
    case intentRecorded = "intent-recorded"
    /// The engine issued the credential; nothing about it is durable beyond the intent.
    case credentialIssued = "credential-issued"
    /// The grant record is durable; the lease is still pending.
    case grantRecorded = "grant-recorded"
    /// The lease is active; the answer has not left.
    case leaseActivated = "lease-activated"
}

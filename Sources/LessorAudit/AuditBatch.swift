public import LessorCore

/// One group commit that at least one device made durable, as `AuditLogConfiguration.onBatch`
/// sees it.
public struct AuditBatch: Sendable, Hashable {
    /// The entries appended in it (checkpoints not counted).
    public let entries: Int
    /// How long writing and syncing it to every device took.
    public let writeDuration: Duration
    /// The log's last record once the batch is durable (a checkpoint when the batch ended on one).
    public let end: AuditAnchor
}

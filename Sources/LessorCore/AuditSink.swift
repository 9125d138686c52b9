/// The port every use case writes audit records through. `append` returns only once the record
/// is durable; when no device can record it, it throws `auditUnavailable` and the caller must
/// refuse the request (and revoke anything it issued for it).
public protocol AuditSink: Sendable {
    func append(_ entry: AuditEntry) async throws(LessorError) -> AuditReceipt
    /// Records `entries` together, in order, and returns their receipts once all are durable;
    /// on failure none of them is recorded.
    func append(contentsOf entries: [AuditEntry]) async throws(LessorError) -> [AuditReceipt]
}

/// The port every use case writes audit records through. `append` returns only once the record
/// is durable; when no device can record it, it throws `auditUnavailable` and the caller must
/// refuse the request (and revoke anything it issued for it).
public protocol AuditSink: Sendable {
    func append(_ entry: AuditEntry) async throws(LessorError) -> AuditReceipt
}

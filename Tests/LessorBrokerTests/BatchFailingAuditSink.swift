import LessorAudit
import LessorCore
import Synchronization

/// The fixture's audit log, except that batch appends fail while `failing` is set: an audit
/// device that fails after offboarding's first record and before a batch of revoke records.
final class BatchFailingAuditSink: AuditSink, Sendable {
    let log: AuditLog
    private let failing = Mutex(true)

    init(_ log: AuditLog) {
        self.log = log
    }

    /// The device works again.
    func recover() {
        failing.withLock { $0 = false }
    }

    func append(_ entry: AuditEntry) async throws(LessorError) -> AuditReceipt {
        try await log.append(entry)
    }

    func append(contentsOf entries: [AuditEntry]) async throws(LessorError) -> [AuditReceipt] {
        if failing.withLock({ $0 }) {
            throw LessorError(.auditUnavailable, "no audit device accepted the batch (the test's failing device)")
        }
        return try await log.append(contentsOf: entries)
    }
}

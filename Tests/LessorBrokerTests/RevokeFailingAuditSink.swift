import LessorAudit
import LessorCore
import Synchronization

/// The fixture's audit log, except that any append carrying a revoke record fails until
/// `recover()`: an audit device that fails between a revocation upstream and its record.
final class RevokeFailingAuditSink: AuditSink, Sendable {
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
        try refuse([entry])
        return try await log.append(entry)
    }

    func append(contentsOf entries: [AuditEntry]) async throws(LessorError) -> [AuditReceipt] {
        try refuse(entries)
        return try await log.append(contentsOf: entries)
    }

    private func refuse(_ entries: [AuditEntry]) throws(LessorError) {
        guard failing.withLock({ $0 }), entries.contains(where: { $0.event == .revoke }) else { return }
        throw LessorError(.auditUnavailable, "no audit device accepted the revoke record (the test's failing device)")
    }
}

extension BrokerFixture {
    /// A fixture whose broker writes through a `RevokeFailingAuditSink` (failing until recovered).
    static func withRevokeFailingAudit() throws -> (BrokerFixture, RevokeFailingAuditSink) {
        var sink: RevokeFailingAuditSink?
        let fixture = try BrokerFixture(auditSink: { log in
            let failing = RevokeFailingAuditSink(log)
            sink = failing
            return failing
        })
        guard let sink else { throw LessorError(.internalFailure, "the fixture did not build its audit sink") }
        return (fixture, sink)
    }
}

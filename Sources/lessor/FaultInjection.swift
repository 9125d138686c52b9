import Foundation
import LessorAudit
import LessorBroker

/// Kill points for crash tests. In a debug build `LESSOR_FAULT_KILL_AT` names one: an
/// `ExchangeStep` raw value (the first exchange that reaches that step), or `audit-batch-durable`
/// (the first audit batch holding a record, once it is synced and before any caller in it hears
/// so: between that group commit and the next). The process then kills itself with SIGKILL, as
/// a crash or an OOM kill would. Release builds carry no kill point.
enum FaultInjection {
    static let auditBatchDurable = "audit-batch-durable"

    static func exchangeStep() -> (@Sendable (ExchangeStep) async -> Void)? {
        guard let name = killPoint, let target = ExchangeStep(rawValue: name) else { return nil }
        return { step in
            if step == target { kill(getpid(), SIGKILL) }
        }
    }

    /// Called with every durable audit batch.
    static func auditBatch() -> (@Sendable (AuditBatch) -> Void)? {
        guard killPoint == auditBatchDurable else { return nil }
        return { batch in
            if batch.entries > 0 { kill(getpid(), SIGKILL) }
        }
    }

    private static var killPoint: String? {
        #if DEBUG
            ProcessInfo.processInfo.environment["LESSOR_FAULT_KILL_AT"]
        #else
            nil
        #endif
    }
}

import Foundation
public import LessorCore
public import Logging
public import ServiceLifecycle
import Synchronization

/// Keeps the audit log's last durable position in the lease store, where someone who can write
/// only the audit directory cannot rewind it. The log reports each durable batch (`advance`, on
/// its writer thread); one write at a time carries the newest position to the store, so under
/// load many batches share a write and the anchor trails the log by at most the batches of one
/// store commit. As a service it runs until graceful shutdown and then writes the last position
/// (the log's closing checkpoint, when the log stops before it).
public final class AuditAnchorKeeper: Service, Sendable {
    private struct State {
        var latest: AuditAnchor?
        var stored: Int = 0
        var writing = false
        /// Set once `reconcile` compared the log with the stored anchor; until then no position
        /// is stored, so a start-up that refuses the log leaves the anchor as it was.
        var reconciled = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The log's name in the store: one row per log, so replicas sharing a store keep apart.
    public let log: String
    private let store: any LeaseStore
    private let clock: WallClock
    private let logger: Logger
    private let state = Mutex(State())

    public init(log: String, store: any LeaseStore, clock: WallClock = .system, logger: Logger) {
        self.log = log
        self.store = store
        self.clock = clock
        self.logger = logger
    }

    /// Compares the log as opened (`logEnd`: its last record, nil when empty) with the stored
    /// anchor, before anything is appended. A log behind its anchor, or holding another record at
    /// the anchor's sequence, was cut back or replaced: start-up stops with an error naming both
    /// positions, unless an operator accepts it with `reason` (the acceptance is audited with both
    /// positions and the anchor restarts from that record).
    public func reconcile(logEnd: AuditAnchor?, audit: any AuditSink, acceptingRollbackBecause reason: String?)
        async throws(LessorError)
    {
        guard let anchor = try await store.auditAnchor(log: log) else {
            markReconciled(advancingTo: logEnd)
            return
        }
        let end = logEnd?.sequence ?? 0
        let behind = end < anchor.sequence || (end == anchor.sequence && logEnd?.hash != anchor.hash)
        guard behind else {
            markReconciled(advancingTo: logEnd)
            return
        }
        let found = logEnd.map { "ends at sequence \($0.sequence) (hash \($0.hash))" } ?? "holds no records"
        let problem =
            "the audit log '\(log)' \(found), but the lease store's anchor says it reached sequence "
            + "\(anchor.sequence) (hash \(anchor.hash)): the log was cut back or replaced"
        guard let reason else {
            throw LessorError(
                .auditInvalid,
                problem + ". Restore the missing audit segments, or start with --accept-audit-rollback REASON "
                    + "(audited) to continue from the log as it is")
        }
        let receipt = try await audit.append(
            AuditEntry(
                event: try AuditEvent.action("admin", "audit_rollback_accepted"), scope: .global("admin"),
                requestID: "startup", decision: .allow, reason: reason,
                details: ["anchor": anchor.description, "log_end": logEnd?.description ?? "empty"]))
        try await store.recordAuditAnchor(
            AuditAnchor(sequence: receipt.sequence, hash: receipt.hash), log: log, rewinding: true, at: clock.now)
        state.withLock { $0.stored = receipt.sequence }
        markReconciled(advancingTo: nil)
        logger.critical(
            "audit log behind its anchor accepted by the operator; recorded in the log",
            metadata: ["problem": "\(problem)", "sequence": "\(receipt.sequence)"])
    }

    /// Lets positions reach the store from now on, starting with `logEnd` and any reported meanwhile.
    private func markReconciled(advancingTo logEnd: AuditAnchor?) {
        state.withLock { $0.reconciled = true }
        startWriting(reporting: logEnd)
    }

    /// The log is durable up to `anchor`; returns at once.
    public func advance(to anchor: AuditAnchor) { startWriting(reporting: anchor) }

    /// Takes `anchor` as the newest position if it is, and starts the one writer when a position
    /// newer than the stored one waits and nothing holds the writer back.
    private func startWriting(reporting anchor: AuditAnchor?) {
        let start = state.withLock { state in
            if let anchor, anchor.sequence > (state.latest?.sequence ?? 0) { state.latest = anchor }
            guard state.reconciled, !state.writing, (state.latest?.sequence ?? 0) > state.stored else { return false }
            state.writing = true
            return true
        }
        if start { Task { await drain() } }
    }

    /// Returns once every position reported so far is stored (or its write failed).
    public func flush() async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                guard state.writing else { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await flush()
    }

    private func drain() async {
        var failed = false
        while true {
            // Deciding to stop and clearing `writing` is one step, so a position reported
            // meanwhile either is taken here or starts the next writer.
            let (next, waiters): (AuditAnchor?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
                if !failed, let latest = state.latest, latest.sequence > state.stored { return (latest, []) }
                state.writing = false
                defer { state.waiters.removeAll() }
                return (nil, state.waiters)
            }
            guard let next else {
                for waiter in waiters { waiter.resume() }
                return
            }
            do {
                try await store.recordAuditAnchor(next, log: log, rewinding: false, at: clock.now)
                state.withLock { $0.stored = max($0.stored, next.sequence) }
            } catch {
                logger.error(
                    "the audit log's anchor could not be stored; it is retried with the next batch",
                    metadata: ["code": "\(error.code)", "sequence": "\(next.sequence)"])
                failed = true
            }
        }
    }
}

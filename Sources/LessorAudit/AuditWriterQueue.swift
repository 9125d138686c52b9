import Foundation
import LessorCore

/// What callers and the writer thread share: the queue of requests, the close request and the
/// health snapshot, all under one condition lock.
final class AuditWriterQueue: @unchecked Sendable {
    typealias Reply = CheckedContinuation<Result<AuditReceipt, LessorError>, Never>
    typealias BatchReply = CheckedContinuation<Result<[AuditReceipt], LessorError>, Never>

    enum Request {
        case append(AuditEntry, Reply)
        /// Entries recorded in one batch, all or none.
        case appendAll([AuditEntry], BatchReply)
        case checkpoint(Reply)

        func fail(_ error: LessorError) {
            switch self {
            case .append(_, let reply), .checkpoint(let reply): reply.resume(returning: .failure(error))
            case .appendAll(_, let reply): reply.resume(returning: .failure(error))
            }
        }
    }

    private let condition = NSCondition()
    private var requests: [Request] = []
    private var closeRequested = false
    /// Whether the log closes on a checkpoint: `close()` asks for one; a log merely dropped (a
    /// start-up that stopped before serving) writes none, so it leaves its files as it found them.
    private var closeCheckpoint = false
    private var closed = false
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []
    private var snapshot: AuditHealth
    /// While the writer gathers a batch, it wants to be woken only once this many requests wait.
    private var gatherTarget = 0

    init(deviceNames: [String], lastSequence: Int) {
        snapshot = AuditHealth(
            devices: deviceNames.map { .init(name: $0, state: .recording, lastError: nil, failedAt: nil) },
            lastSequence: lastSequence, lastCheckpointSequence: nil, isClosed: false)
    }

    func enqueue(_ request: Request) {
        condition.lock()
        if closed || closeRequested {
            condition.unlock()
            request.fail(LessorError(.auditUnavailable, "the audit log is closed"))
            return
        }
        requests.append(request)
        if requests.count == 1 || requests.count >= gatherTarget { condition.signal() }
        condition.unlock()
    }

    func requestClose(waiter: CheckedContinuation<Void, Never>?, checkpoint: Bool) {
        condition.lock()
        if closed {
            condition.unlock()
            waiter?.resume()
            return
        }
        closeRequested = true
        closeCheckpoint = closeCheckpoint || checkpoint
        if let waiter { closeWaiters.append(waiter) }
        condition.signal()
        condition.unlock()
    }

    /// Waits for requests, a close request, or `deadline`. Once requests arrive, waits at most
    /// `gatherDelay` more for `gather` of them, so that writers just released by the last batch
    /// join the next one instead of each waiting a whole sync. Returns the requests taken
    /// (possibly none, on time-out) and whether the log is closing; when closing, later requests
    /// are refused.
    func take(
        deadline: Date?, gather: Int, gatherDelay: TimeInterval
    ) -> (requests: [Request], closing: Bool, closingCheckpoint: Bool) {
        condition.lock()
        defer { condition.unlock() }
        while requests.isEmpty && !closeRequested {
            if let deadline {
                if !condition.wait(until: deadline) { break }
            } else {
                condition.wait()
            }
        }
        if !requests.isEmpty && requests.count < gather && gatherDelay > 0 {
            gatherTarget = gather
            let until = Date(timeIntervalSinceNow: gatherDelay)
            while requests.count < gather && !closeRequested {
                if !condition.wait(until: until) { break }
            }
            gatherTarget = 0
        }
        let taken = requests
        requests.removeAll(keepingCapacity: true)
        if closeRequested { closed = true }
        return (taken, closeRequested, closeCheckpoint)
    }

    func finishClose() {
        condition.lock()
        let waiters = closeWaiters
        closeWaiters.removeAll()
        snapshot = AuditHealth(
            devices: snapshot.devices, lastSequence: snapshot.lastSequence,
            lastCheckpointSequence: snapshot.lastCheckpointSequence, isClosed: true)
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    func publish(_ health: AuditHealth) {
        condition.lock()
        snapshot = health
        condition.unlock()
    }

    func health() -> AuditHealth {
        condition.lock()
        defer { condition.unlock() }
        return snapshot
    }
}

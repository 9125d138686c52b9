import Foundation
import GRDB
import LessorCore

/// One caller's write, as the writer thread runs it inside a batch transaction.
struct SQLiteWrite: Sendable {
    /// What the write does, for error messages ("record the lease intent").
    let action: String
    /// The write changes the database in at most one statement, which SQLite makes atomic by
    /// itself, or what its earlier statements change stays true when a later one fails: it needs
    /// no savepoint of its own.
    let changesOnce: Bool
    /// Runs the write's statements and returns how to answer the caller once the batch commits.
    let run: @Sendable (Database) throws -> @Sendable () -> Void
    /// Answers the caller with a failure: its own statement's, or the whole batch's.
    let fail: @Sendable (LessorError) -> Void
}

/// What callers and the writer thread share: the queued writes and the close request, under one
/// condition lock (the shape of `AuditWriterQueue`).
final class SQLiteWriteQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var writes: [SQLiteWrite] = []
    private var closeRequested = false
    private var closed = false
    private var finished = false
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []

    /// Queues `write`, or fails it at once when the store is closing.
    func enqueue(_ write: SQLiteWrite) {
        condition.lock()
        if closed || closeRequested {
            condition.unlock()
            write.fail(SQLiteStoreFailure.storeError(SQLiteStoreFailure.closed, while: write.action))
            return
        }
        writes.append(write)
        if writes.count == 1 { condition.signal() }
        condition.unlock()
    }

    /// Waits until writes are queued or a close is requested, then takes every queued write.
    /// When closing, later writes are refused; the writes taken still run.
    func take() -> (writes: [SQLiteWrite], closing: Bool) {
        condition.lock()
        defer { condition.unlock() }
        while writes.isEmpty && !closeRequested {
            condition.wait()
        }
        let taken = writes
        writes.removeAll(keepingCapacity: true)
        if closeRequested { closed = true }
        return (taken, closeRequested)
    }

    func requestClose(waiter: CheckedContinuation<Void, Never>?) {
        condition.lock()
        if finished {
            condition.unlock()
            waiter?.resume()
            return
        }
        closeRequested = true
        if let waiter { closeWaiters.append(waiter) }
        condition.signal()
        condition.unlock()
    }

    /// Called by the writer thread once it has stopped: answers everyone waiting for the close.
    func finishClose() {
        condition.lock()
        finished = true
        let waiters = closeWaiters
        closeWaiters.removeAll()
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }
}

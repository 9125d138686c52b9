import Foundation
import GRDB
import LessorCore

/// The writer thread: group commit for the store's writes.
///
/// It takes every write queued since the last batch, runs them in one transaction (each in its
/// own savepoint unless it is a single statement, so a failure undoes and fails only its own
/// write), commits once, and
/// only then answers the callers. While one batch commits and syncs, the next one gathers, so
/// under load one `fsync` covers many writes. A failed commit fails every write of its batch. It
/// is a thread rather than a task because the commit blocks on `fsync`.
final class SQLiteWriteBatcher: @unchecked Sendable {
    private let queue: SQLiteWriteQueue
    private let pool: DatabasePool

    init(queue: SQLiteWriteQueue, pool: DatabasePool) {
        self.queue = queue
        self.pool = pool
    }

    func run() {
        while true {
            let (writes, closing) = queue.take()
            if !writes.isEmpty { commit(writes) }
            if closing {
                // The log is copied into the file and truncated, so the next open has nothing to
                // replay. A failure here loses nothing: that open replays the log instead.
                _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
                try? pool.close()
                queue.finishClose()
                return
            }
        }
    }

    private enum Outcome {
        case succeeded(@Sendable () -> Void)
        case failed(LessorError)
    }

    private func commit(_ writes: [SQLiteWrite]) {
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(writes.count)
        do {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    for write in writes {
                        do {
                            if write.changesOnce {
                                outcomes.append(.succeeded(try write.run(db)))
                            } else {
                                var answer: (@Sendable () -> Void)?
                                try db.inSavepoint {
                                    answer = try write.run(db)
                                    return .commit
                                }
                                outcomes.append(.succeeded(answer!))
                            }
                        } catch {
                            // SQLite rolls back the whole transaction on some errors (full disk,
                            // I/O): then nothing of the batch is kept, and every write fails.
                            guard db.isInsideTransaction else { throw error }
                            outcomes.append(.failed(SQLiteStoreFailure.storeError(error, while: write.action)))
                        }
                    }
                    return .commit
                }
            }
        } catch {
            for write in writes { write.fail(SQLiteStoreFailure.storeError(error, while: write.action)) }
            return
        }
        for (write, outcome) in zip(writes, outcomes) {
            switch outcome {
            case .succeeded(let answer): answer()
            case .failed(let error): write.fail(error)
            }
        }
    }
}

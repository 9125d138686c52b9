import LessorCore
import Synchronization

/// Holds calls back until the store's migrations have run, so a service that starts next to the
/// store in a `ServiceGroup` never queries tables that do not exist yet. Opens once migrations
/// succeed; while closed after a failure, calls fail with that failure.
final class MigrationGate: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Result<Void, LessorError>, Never>])
        case open
        case failed(LessorError)
    }

    private let state = Mutex(State.waiting([]))

    /// Returns once migrations have succeeded; throws their failure if they failed.
    func wait() async throws(LessorError) {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Void, LessorError>, Never>) in
            let ready: Result<Void, LessorError>? = state.withLock { state in
                switch state {
                case .open: return .success(())
                case .failed(let error): return .failure(error)
                case .waiting(var waiters):
                    waiters.append(continuation)
                    state = .waiting(waiters)
                    return nil
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
        try result.get()
    }

    func open() { settle(.open, .success(())) }

    func fail(_ error: LessorError) { settle(.failed(error), .failure(error)) }

    private func settle(_ next: State, _ result: Result<Void, LessorError>) {
        let waiters = state.withLock { state in
            var waiters: [CheckedContinuation<Result<Void, LessorError>, Never>] = []
            if case .waiting(let pending) = state { waiters = pending }
            if case .open = state { return waiters }
            state = next
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }
}

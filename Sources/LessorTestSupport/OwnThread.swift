import Foundation

/// Runs blocking `work` (a child's pipes, `waitpid`, a blocking socket) on a new thread; the
/// calling task suspends until it returns, so no thread of the Swift concurrency pool is held.
public func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.name = "lessor-test-blocking"
        thread.start()
    }
}

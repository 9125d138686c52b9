internal import Synchronization

/// Set when the calling task is cancelled; the transfer's progress callback then aborts it.
final class CurlCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    var isCancelled: Bool { flag.load(ordering: .acquiring) }

    func cancel() { flag.store(true, ordering: .releasing) }
}

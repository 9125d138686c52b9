public import Foundation
import Synchronization

/// The bundle decisions use now. Reloads replace it only with a bundle that validated; a refused
/// reload leaves the current bundle serving and is kept for readiness until the next success.
public final class PolicyBundleStore: Sendable {
    public struct Status: Sendable {
        public let digest: String
        public let commit: String?
        public let loadedAt: Date
        /// The last refused reload, when it came after the last successful one.
        public let lastFailure: String?
        public let lastFailureAt: Date?
    }

    private struct State {
        var bundle: PolicyBundle
        var loadedAt: Date
        var lastFailure: String?
        var lastFailureAt: Date?
    }

    private let state: Mutex<State>
    private let clock: WallClock

    public init(_ bundle: PolicyBundle, clock: WallClock = .system) {
        self.clock = clock
        state = Mutex(State(bundle: bundle, loadedAt: clock.now))
    }

    public var current: PolicyBundle { state.withLock { $0.bundle } }

    /// Installs a new bundle; returns false when it is the one already serving.
    @discardableResult
    public func install(_ bundle: PolicyBundle) -> Bool {
        let now = clock.now
        return state.withLock { state in
            state.lastFailure = nil
            state.lastFailureAt = nil
            guard state.bundle.digest != bundle.digest || state.bundle.commit != bundle.commit else { return false }
            state.bundle = bundle
            state.loadedAt = now
            return true
        }
    }

    public func recordFailure(_ message: String) {
        let now = clock.now
        state.withLock {
            $0.lastFailure = message
            $0.lastFailureAt = now
        }
    }

    public var status: Status {
        state.withLock {
            Status(
                digest: $0.bundle.digest, commit: $0.bundle.commit, loadedAt: $0.loadedAt, lastFailure: $0.lastFailure,
                lastFailureAt: $0.lastFailureAt)
        }
    }
}

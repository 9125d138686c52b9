public import Foundation
public import LessorCore
import Synchronization

/// The quota state of one broker replica: a request-rate bucket per tenant and the number of
/// leases each tenant is being granted right now. It lives in memory, so N replicas allow a
/// tenant up to N times its class's rate between them (as Vault's per-node rate limits do).
///
/// Buckets are bounded: a bucket that has refilled completely is the same as none, so buckets
/// full at a sweep (run at most every `sweepInterval`) are dropped. What stays is at most the
/// tenants that made a request within the time their bucket takes to refill, plus one interval.
public final class TenantQuotas: Sendable {
    private struct State {
        var buckets: [String: TokenBucket] = [:]
        var granting: [String: Int] = [:]
        var lastSweep: Date?
    }

    private let state = Mutex(State())
    private let sweepInterval: TimeInterval

    public init(sweepInterval: Duration = .seconds(10)) {
        self.sweepInterval = Double(sweepInterval.components.seconds)
    }

    /// Takes one request from `tenant`'s bucket at `now`: nil when allowed, otherwise how long
    /// until the next request can be.
    public func takeRequest(tenant: String, of tenantClass: TenantClass, at now: Date) -> Duration? {
        state.withLock { state in
            Self.sweep(&state, at: now, every: sweepInterval)
            var bucket =
                state.buckets[tenant]
                ?? TokenBucket(rate: tenantClass.requestsPerSecond, capacity: tenantClass.burst, now: now)
            if bucket.rate != tenantClass.requestsPerSecond || bucket.capacity != tenantClass.burst {
                bucket.reconfigure(rate: tenantClass.requestsPerSecond, capacity: tenantClass.burst, now: now)
            }
            let wait = bucket.take(at: now)
            state.buckets[tenant] = bucket
            return wait
        }
    }

    /// The tenants whose buckets are held now.
    public var trackedTenants: Int { state.withLock { $0.buckets.count } }

    /// Starts a grant for `tenant`; returns how many other grants of the tenant were under way.
    /// Every call is matched by one `endGrant` once the lease is active or the grant failed.
    func beginGrant(tenant: String) -> Int {
        state.withLock { state in
            let others = state.granting[tenant, default: 0]
            state.granting[tenant] = others + 1
            return others
        }
    }

    func endGrant(tenant: String) {
        state.withLock { state in
            let left = state.granting[tenant, default: 1] - 1
            state.granting[tenant] = left > 0 ? left : nil
        }
    }

    private static func sweep(_ state: inout State, at now: Date, every interval: TimeInterval) {
        if let last = state.lastSweep, now >= last, now.timeIntervalSince(last) < interval { return }
        state.lastSweep = now
        state.buckets = state.buckets.filter { !$0.value.isFull(at: now) }
    }
}

import Foundation
public import LessorCore
import Logging
public import ServiceLifecycle

/// Revokes what must not outlive its lease: expired active leases, revocations whose retry is
/// due, and intents never answered (a crash between intent and answer). Several replicas may run
/// one each: the store hands every lease to one claimer only.
public struct ExpirySweeper: Service {
    public struct Pass: Sendable, Hashable {
        public var revoked = 0
        public var retrying = 0
        public var irrevocable = 0

        public init() {}
    }

    let broker: Broker
    let interval: Duration
    let batchSize: Int
    /// How long a claimed lease stays reserved for this sweeper before another may take it.
    let hold: Duration

    public init(broker: Broker, interval: Duration = .seconds(1), batchSize: Int = 500, hold: Duration = .seconds(60)) {
        self.broker = broker
        self.interval = interval
        self.batchSize = batchSize
        self.hold = hold
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let pass = try await sweep()
                if pass != Pass() {
                    broker.logger.info(
                        "expiry sweep",
                        metadata: [
                            "revoked": "\(pass.revoked)", "retrying": "\(pass.retrying)",
                            "irrevocable": "\(pass.irrevocable)",
                        ])
                }
            } catch {
                broker.logger.error("expiry sweep failed; retrying", metadata: ["code": "\(error.code)"])
            }
            // A pass is never cut short; the wait between passes ends at a graceful shutdown.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass: claims and revokes due leases until none are left.
    public func sweep() async throws(LessorError) -> Pass {
        var pass = Pass()
        var tenants: [String: TenantRecord?] = [:]
        while true {
            let now = broker.clock.now
            let due = try await broker.store.claimDue(
                now: now, pendingBefore: now.addingTimeInterval(-broker.settings.pendingGrace.timeInterval), hold: hold,
                limit: batchSize)
            for lease in due {
                if tenants[lease.tenantID] == nil {
                    tenants[lease.tenantID] = try await broker.store.tenant(lease.tenantID)
                }
                let cause =
                    switch lease.state {
                    case .pending: "intent never answered"
                    case .revoking: "revocation retry"
                    default: "expired"
                    }
                switch try await broker.revokeOutstanding(
                    lease, tenant: tenants[lease.tenantID] ?? nil, cause: cause, requestID: "sweeper")
                {
                case .revoked: pass.revoked += 1
                case .irrevocable: pass.irrevocable += 1
                default: pass.retrying += 1
                }
            }
            if due.count < batchSize { return pass }
        }
    }
}

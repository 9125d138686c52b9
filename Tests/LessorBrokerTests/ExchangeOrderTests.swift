import Foundation
import LessorAudit
import LessorBroker
import LessorCore
import LessorSQLite
import LessorTestSupport
import Logging
import Synchronization
import Testing

/// What a fault point does in a test, set once the fixture exists.
final class StepHook: Sendable {
    private let action = Mutex<(@Sendable (ExchangeStep) async throws -> Void)?>(nil)

    func set(_ body: @escaping @Sendable (ExchangeStep) async throws -> Void) { action.withLock { $0 = body } }

    var faultPoint: @Sendable (ExchangeStep) async -> Void {
        { step in
            let body = self.action.withLock { $0 }
            try? await body?(step)
        }
    }
}

@Suite("An exchange records its grant before its lease is usable")
struct ExchangeOrderTests {
    @Test("At each step the lease is usable only once its grant record is durable")
    func grantBeforeActivation() async throws {
        let hook = StepHook()
        let fixture = try BrokerFixture(settings: .init(faultPoint: hook.faultPoint))
        let caller = fixture.workload("acme")
        let seen = Mutex<[ExchangeStep: (state: LeaseState?, grants: Int)]>([:])
        hook.set { step in
            let leases = try await fixture.store.leases(tenantID: "acme", binding: nil, after: nil, limit: 10)
            let grants = try await fixture.auditRecords().filter {
                $0["event"]?.stringValue == "grant" && $0["request_id"]?.stringValue == caller.requestID
            }
            seen.withLock { $0[step] = (leases.first?.state, grants.count) }
        }
        _ = try await fixture.broker.exchange(caller, path: "token/audiences/billing", requestedTTL: nil)
        let steps = seen.withLock { $0 }
        #expect(steps[.intentRecorded]?.state == .pending && steps[.intentRecorded]?.grants == 0)
        #expect(steps[.credentialIssued]?.state == .pending && steps[.credentialIssued]?.grants == 0)
        #expect(steps[.grantRecorded]?.state == .pending && steps[.grantRecorded]?.grants == 1)
        #expect(steps[.leaseActivated]?.state == .active && steps[.leaseActivated]?.grants == 1)
        await fixture.cleanUp()
    }

    @Test("An engine slower than pending_grace gets engine_timeout, never tenant_inactive, and the grant is withdrawn")
    func sweptIntentIsAnEngineTimeout() async throws {
        let hook = StepHook()
        let fixture = try BrokerFixture(settings: .init(pendingGrace: .seconds(30), faultPoint: hook.faultPoint))
        let sweeper = ExpirySweeper(broker: fixture.broker)
        hook.set { step in
            guard step == .credentialIssued else { return }
            // The engine took longer than the grace: the sweeper revoked the intent meanwhile.
            fixture.clock.advance(by: .seconds(31))
            _ = try await sweeper.sweep()
        }
        let caller = fixture.workload("acme")
        let error = await #expect(throws: LessorError.self) {
            try await fixture.broker.exchange(caller, path: "token/audiences/billing", requestedTTL: nil)
        }
        #expect(error?.code == .engineTimeout)
        #expect(error?.code.isServerFault == true)
        let leases = try await fixture.store.leases(tenantID: "acme", binding: nil, after: nil, limit: 10)
        #expect(leases.count == 1 && leases[0].state == .revoked)
        let records = try await fixture.auditRecords().filter { $0["request_id"]?.stringValue == caller.requestID }
        #expect(records.map { $0["event"]?.stringValue } == ["grant", "deny"])
        #expect(records.last?["reason"]?.stringValue?.hasPrefix("engine_timeout:") == true)
        #expect(records.last?["details"]?["grant"]?.stringValue == "withdrawn")
        await fixture.cleanUp()
    }

    @Test("Listing leaves out intents: no credential was answered for them")
    func listingLeavesOutIntents() async throws {
        let fixture = try BrokerFixture()
        let caller = fixture.workload("acme")
        let granted = try await fixture.broker.exchange(caller, path: "token/audiences/billing", requestedTTL: nil)
        let now = fixture.clock.now
        for index in 0..<3 {
            try await fixture.store.insertIntent(
                Lease(
                    id: "lease_zz-intent-\(index)", tenantID: "acme", issuer: BrokerFixture.issuer,
                    subject: caller.identity.subject, binding: granted.lease.binding, path: "token/audiences/billing",
                    engine: "token", issuedAt: now, expiresAt: now.addingTimeInterval(900),
                    maxExpiresAt: now.addingTimeInterval(900), renewable: true, state: .pending, policyDigest: "d",
                    requestID: "r"))
        }
        let listed = try await fixture.broker.leases(caller, after: nil, limit: 1)
        #expect(listed.map(\.id) == [granted.lease.id])
        #expect(try await fixture.broker.leases(caller, after: granted.lease.id, limit: 1).isEmpty)
        await fixture.cleanUp()
    }
}

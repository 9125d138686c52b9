import Foundation
import LessorAudit
import LessorBroker
import LessorCore
import LessorEngines
import LessorSQLite
import LessorTestSupport
import Testing

@Suite("The expiry sweeper revokes on time, retries with backoff, and never drops a lease")
struct ExpirySweeperTests {
    @Test("Expired leases are revoked at their expiry and not before")
    func revokesOnTime() async throws {
        let fixture = try BrokerFixture()
        let caller = fixture.workload("acme")
        let lease = try await fixture.broker.exchange(
            caller, path: "token/audiences/billing", requestedTTL: .seconds(600)
        ).lease
        let sweeper = ExpirySweeper(broker: fixture.broker)
        fixture.clock.advance(by: .seconds(599))
        #expect(try await sweeper.sweep().revoked == 0)
        fixture.clock.advance(by: .seconds(2))
        #expect(try await sweeper.sweep().revoked == 1)
        #expect(try await fixture.store.lease(id: lease.id, tenantID: "acme")?.state == .revoked)
        let revoke = try await fixture.auditRecords().filter { $0["event"]?.stringValue == "revoke" }
        #expect(revoke.count == 1 && revoke[0]["reason"]?.stringValue == "expired")
        await fixture.cleanUp()
    }

    @Test("An intent never answered (a crash between intent and answer) is revoked after the grace period")
    func revokesAbandonedIntents() async throws {
        let fixture = try BrokerFixture(settings: .init(pendingGrace: .seconds(60)))
        let now = fixture.clock.now
        _ = try await fixture.store.ensureTenant(
            "acme", wrappedDataKey: fixture.broker.keyring.newWrappedDataKey(), at: now)
        let intent = Lease(
            id: "lease_abandoned", tenantID: "acme", issuer: BrokerFixture.issuer, subject: "s", binding: "workloads",
            path: "token/audiences/billing", engine: "token", issuedAt: now, expiresAt: now.addingTimeInterval(900),
            maxExpiresAt: now.addingTimeInterval(900), renewable: true, state: .pending, policyDigest: "d",
            requestID: "r")
        try await fixture.store.insertIntent(intent)
        let sweeper = ExpirySweeper(broker: fixture.broker)
        #expect(try await sweeper.sweep().revoked == 0)
        fixture.clock.advance(by: .seconds(61))
        #expect(try await sweeper.sweep().revoked == 1)
        #expect(try await fixture.store.lease(id: intent.id, tenantID: "acme")?.state == .revoked)
        await fixture.cleanUp()
    }

    @Test("A refused revocation is retried with backoff, then marked irrevocable, audited and counted")
    func irrevocableAfterRetries() async throws {
        let refusing = RefusingEngine()
        let fixture = try BrokerFixture(
            extraEngines: [refusing],
            settings: .init(maxRevokeAttempts: 3, initialBackoff: .seconds(10), maxBackoff: .seconds(15)))
        let caller = fixture.workload("acme")
        let lease = try await fixture.broker.exchange(caller, path: "refusing/things/db", requestedTTL: .seconds(60))
            .lease
        let sweeper = ExpirySweeper(broker: fixture.broker, hold: .seconds(5))
        fixture.clock.advance(by: .seconds(61))
        #expect(try await sweeper.sweep().retrying == 1)
        #expect(try await sweeper.sweep() == .init(), "the retry waits for its backoff")
        fixture.clock.advance(by: .seconds(10))
        #expect(try await sweeper.sweep().retrying == 1)
        fixture.clock.advance(by: .seconds(15))
        #expect(try await sweeper.sweep().irrevocable == 1)
        fixture.clock.advance(by: .seconds(3600))
        #expect(try await sweeper.sweep() == .init(), "an irrevocable lease is not retried forever")
        #expect(refusing.attempts == 3)
        let stored = try #require(try await fixture.store.lease(id: lease.id, tenantID: "acme"))
        #expect(stored.state == .irrevocable && stored.revokeAttempts == 3)
        #expect(try await fixture.store.statistics(at: fixture.clock.now).irrevocable == 1)
        let audited = try await fixture.auditRecords().filter { $0["event"]?.stringValue == "revoke" }
        #expect(audited.count == 3)
        #expect(audited.last?["reason"]?.stringValue?.hasPrefix("irrevocable after 3 attempts") == true)
        await fixture.cleanUp()
    }
}

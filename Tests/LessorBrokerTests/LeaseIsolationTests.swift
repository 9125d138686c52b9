import Foundation
import LessorAudit
import LessorBroker
import LessorCore
import LessorEngines
import LessorSQLite
import LessorTestSupport
import Testing

@Suite("Leases belong to their tenant and binding: renew, revoke, list, introspect")
struct LeaseIsolationTests {
    @Test("Another tenant's renew and revoke answer exactly like a missing lease, and are audited as denials")
    func crossTenantIsRefused() async throws {
        let fixture = try BrokerFixture()
        let owner = fixture.workload("acme")
        let lease = try await fixture.broker.exchange(owner, path: "token/audiences/billing", requestedTTL: nil).lease
        let intruder = fixture.workload("globex")
        var messages: [String] = []
        for attempt in ["renew", "revoke", "missing"] {
            do {
                switch attempt {
                case "renew": _ = try await fixture.broker.renew(intruder, leaseID: lease.id, increment: nil)
                case "revoke": _ = try await fixture.broker.revoke(intruder, leaseID: lease.id)
                default: _ = try await fixture.broker.revoke(intruder, leaseID: "lease_doesnotexist")
                }
                Issue.record("\(attempt) by another tenant succeeded")
            } catch {
                #expect(error.code == .leaseNotFound)
                messages.append(error.message)
            }
        }
        #expect(Set(messages).count == 1, "a foreign lease and a missing one are indistinguishable")
        #expect(try await fixture.broker.leases(intruder, after: nil, limit: 100).isEmpty)
        #expect(try await fixture.broker.introspect(intruder, tokenTenant: "acme", leaseID: lease.id) == nil)
        let stored = try #require(try await fixture.store.lease(id: lease.id, tenantID: "acme"))
        #expect(stored.state == .active && stored.expiresAt == lease.expiresAt)
        let denials = try await fixture.auditRecords().filter { $0["decision"]?.stringValue == "deny" }
        #expect(denials.count == 3)
        #expect(denials.allSatisfy { $0["tenant_id"]?.stringValue == "globex" })
        await fixture.cleanUp()
    }

    @Test("A workload sees and revokes its own leases; introspection turns inactive after revocation")
    func ownLeaseLifecycle() async throws {
        let fixture = try BrokerFixture()
        let caller = fixture.workload("acme")
        let first = try await fixture.broker.exchange(caller, path: "token/audiences/billing", requestedTTL: nil).lease
        let second = try await fixture.broker.exchange(caller, path: "token/audiences/shared", requestedTTL: nil).lease
        let listed = try await fixture.broker.leases(caller, after: nil, limit: 100).map(\.id)
        #expect(Set(listed) == [first.id, second.id])
        #expect(try await fixture.broker.introspect(caller, tokenTenant: "acme", leaseID: first.id)?.id == first.id)

        let revoked = try await fixture.broker.revoke(caller, leaseID: first.id)
        #expect(revoked.state == .revoked)
        #expect(try await fixture.broker.introspect(caller, tokenTenant: "acme", leaseID: first.id) == nil)
        #expect(try await fixture.broker.introspect(caller, tokenTenant: "acme", leaseID: second.id) != nil)
        await fixture.cleanUp()
    }

    @Test("Renewal extends up to the max TTL and is refused past it; classes and engines can forbid it")
    func renewalBounds() async throws {
        let fixture = try BrokerFixture()
        let caller = fixture.workload("acme")
        let result = try await fixture.broker.exchange(
            caller, path: "token/audiences/billing", requestedTTL: .seconds(600))
        let lease = result.lease
        fixture.clock.advance(by: .seconds(300))
        let renewed = try await fixture.broker.renew(caller, leaseID: lease.id, increment: .seconds(600))
        #expect(renewed.lease.expiresAt == fixture.clock.now.addingTimeInterval(600))
        let token = try #require(renewed.data?["token"]?.stringValue)
        let claims = try fixture.tokenEngine.verify(token, now: fixture.clock.now)
        #expect(claims.jti == lease.id && claims.expiresAt == renewed.lease.expiresAt)

        fixture.clock.advance(by: .seconds(500))
        let capped = try await fixture.broker.renew(caller, leaseID: lease.id, increment: .seconds(3600))
        #expect(capped.lease.expiresAt == lease.maxExpiresAt)
        do {
            _ = try await fixture.broker.renew(caller, leaseID: lease.id, increment: .seconds(60))
            Issue.record("renewed past the max TTL")
        } catch {
            #expect(error.code == .leaseNotRenewable)
        }

        let fixed = fixture.workload("initech")
        let unrenewable = try await fixture.broker.exchange(fixed, path: "token/audiences/billing", requestedTTL: nil)
        #expect(!unrenewable.lease.renewable)
        await #expect(throws: LessorError.self) {
            try await fixture.broker.renew(fixed, leaseID: unrenewable.lease.id, increment: nil)
        }
        let audited = try await fixture.auditRecords().filter { $0["event"]?.stringValue == "renew" }
        #expect(audited.filter { $0["decision"]?.stringValue == "allow" }.count == 2)
        #expect(audited.filter { $0["decision"]?.stringValue == "deny" }.count == 2)
        await fixture.cleanUp()
    }
}

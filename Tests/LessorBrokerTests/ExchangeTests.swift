import Foundation
import LessorAudit
import LessorBroker
import LessorCore
import LessorEngines
import LessorSQLite
import LessorTestSupport
import Testing

@Suite("Exchange: verify, bind, authorize, intent, issue, commit, audit, answer")
struct ExchangeTests {
    @Test("A workload gets a broker token under a durable, audited lease")
    func grant() async throws {
        let fixture = try BrokerFixture()
        let caller = fixture.workload("acme")
        let result = try await fixture.broker.exchange(caller, path: "token/audiences/billing", requestedTTL: nil)
        #expect(result.lease.tenantID == "acme")
        #expect(result.lease.state == .active)
        #expect(result.leaseDuration == 15 * 60)
        #expect(result.lease.maxExpiresAt == result.lease.issuedAt.addingTimeInterval(30 * 60))
        let stored = try #require(try await fixture.store.lease(id: result.lease.id, tenantID: "acme"))
        #expect(stored.state == .active)
        let token = try #require(result.data["token"]?.stringValue)
        let claims = try fixture.tokenEngine.verify(token, now: fixture.clock.now)
        #expect(claims.jti == result.lease.id && claims.tenant == "acme" && claims.audience == "billing")

        let records = try await fixture.auditRecords()
        let grant = try #require(records.first { $0["event"]?.stringValue == "grant" })
        #expect(grant["tenant_id"]?.stringValue == "acme")
        #expect(grant["path"]?.stringValue == "token/audiences/billing")
        let text = try String(
            contentsOfFile: "\(fixture.directory)/audit/\(try Self.firstSegment(fixture))", encoding: .utf8)
        #expect(!text.contains(token), "the credential never reaches the audit log")
        #expect(!text.contains(result.lease.id), "lease ids appear only as keyed hashes")
        await fixture.cleanUp()
    }

    @Test("Lease ids are unguessable and sort by issue time: the time in hex, then 192 random bits")
    func leaseIDsSortByIssueTime() async throws {
        let fixture = try BrokerFixture()
        let acme = fixture.workload("acme")
        let first = try await fixture.broker.exchange(acme, path: "token/audiences/billing", requestedTTL: nil)
        let twin = try await fixture.broker.exchange(acme, path: "token/audiences/billing", requestedTTL: nil)
        fixture.clock.advance(by: .milliseconds(1))
        let later = try await fixture.broker.exchange(acme, path: "token/audiences/billing", requestedTTL: nil)

        let milliseconds = UInt64(fixture.clock.now.timeIntervalSince1970 * 1000) - 1
        let hex = String(milliseconds, radix: 16)
        let prefix = "lease_" + String(repeating: "0", count: 12 - hex.utf8.count) + hex
        #expect(first.lease.id.hasPrefix(prefix) && twin.lease.id.hasPrefix(prefix), "\(first.lease.id)")
        #expect(first.lease.id.utf8.count == "lease_".utf8.count + 12 + 32)
        #expect(first.lease.id != twin.lease.id, "issued in the same millisecond, told apart by the random part")
        #expect(first.lease.id < later.lease.id && twin.lease.id < later.lease.id)
        await fixture.cleanUp()
    }

    @Test("Requested TTL is cut by the rule's max_ttl, and a longer request never passes it")
    func ttlIsBounded() async throws {
        let fixture = try BrokerFixture()
        let result = try await fixture.broker.exchange(
            fixture.workload("acme"), path: "token/audiences/billing", requestedTTL: .seconds(7200))
        #expect(result.leaseDuration == 30 * 60)
        await fixture.cleanUp()
    }

    @Test("A lease never outlives what its engine can issue: the TTL and renewal limit are cut to the engine's")
    func engineLimitBoundsTheLease() async throws {
        let fixture = try BrokerFixture(extraEngines: [AccessKeyEngine(longest: .seconds(1200))])
        let acme = fixture.workload("acme")
        let long = try await fixture.broker.exchange(
            acme, path: "access-keys/roles/deployer", requestedTTL: .seconds(3600))
        #expect(long.leaseDuration == 1200)
        #expect(long.lease.maxExpiresAt.timeIntervalSince(long.lease.issuedAt) == 1200)
        let usual = try await fixture.broker.exchange(acme, path: "access-keys/roles/deployer", requestedTTL: nil)
        #expect(usual.leaseDuration == 15 * 60, "the class default is shorter, and stays")
        let grants = try await fixture.auditRecords().filter { $0["event"]?.stringValue == "grant" }
        #expect(grants.compactMap { $0["ttl"]?.numberValue } == [1200, 900])
        await fixture.cleanUp()
    }

    @Test(
        "Refusals are typed and audited as denials",
        arguments: [
            ("token/audiences/forbidden", "permission_denied"), ("token/audiences/someone-else", "permission_denied"),
            ("../acme/token", "request_invalid"), ("tenants/globex", "permission_denied"),
            ("db/roles/app", "permission_denied"),
        ])
    func refusals(path: String, code: String) async throws {
        let fixture = try BrokerFixture()
        do {
            _ = try await fixture.broker.exchange(fixture.workload("acme"), path: path, requestedTTL: nil)
            Issue.record("\(path) was granted")
        } catch {
            #expect(error.code.rawValue == code)
        }
        let denials = try await fixture.auditRecords().filter { $0["event"]?.stringValue == "deny" }
        #expect(denials.count == 1)
        #expect(denials.allSatisfy { $0["tenant_id"]?.stringValue == "acme" })
        #expect(try await fixture.store.statistics(at: fixture.clock.now).live == 0)
        await fixture.cleanUp()
    }

    @Test("No tenant context, no grant: an unbound identity and a global admin get nothing")
    func noTenantNoGrant() async throws {
        let fixture = try BrokerFixture()
        let outsider = fixture.workload("acme")
        let stranger = Caller(
            identity: VerifiedIdentity(
                issuer: "https://other.test", subject: "x", audiences: ["lessor"],
                expiresAt: Date().addingTimeInterval(60),
                issuedAt: nil, notBefore: nil, tokenID: nil, keyID: nil, algorithm: "RS256", kubernetes: nil,
                claims: ["sub": .string("x")]), requestID: outsider.requestID)
        for caller in [stranger, fixture.admin()] {
            do {
                _ = try await fixture.broker.exchange(caller, path: "token/audiences/billing", requestedTTL: nil)
                Issue.record("an identity without a tenant got a credential")
            } catch {
                #expect(error.code == .permissionDenied)
            }
        }
        #expect(try await fixture.auditRecords().filter { $0["event"]?.stringValue == "deny" }.count == 2)
        await fixture.cleanUp()
    }

    @Test("When no audit device can record a revocation, the lease stays outstanding and the next revoke records it")
    func revocationFailsClosedOnTheAudit() async throws {
        let (fixture, failing) = try BrokerFixture.withRevokeFailingAudit()
        let acme = fixture.workload("acme")
        let lease = try await fixture.broker.exchange(acme, path: "token/audiences/billing", requestedTTL: nil).lease

        let refused = await #expect(throws: LessorError.self) {
            _ = try await fixture.broker.revoke(acme, leaseID: lease.id)
        }
        #expect(refused?.code == .auditUnavailable)
        #expect(try await fixture.store.lease(id: lease.id, tenantID: "acme")?.state == .active)

        failing.recover()
        #expect(try await fixture.broker.revoke(acme, leaseID: lease.id).state == .revoked)
        let records = try await fixture.auditRecords().filter { $0["event"]?.stringValue == "revoke" }
        #expect(records.count == 1)
        await fixture.cleanUp()
    }

    @Test("When no audit device can record the grant, the request fails and the lease is revoked")
    func failsClosedWithoutAudit() async throws {
        let fixture = try BrokerFixture()
        await fixture.audit.close()
        do {
            _ = try await fixture.broker.exchange(
                fixture.workload("acme"), path: "token/audiences/billing", requestedTTL: nil)
            Issue.record("a credential left without an audit record")
        } catch {
            #expect(error.code == .auditUnavailable)
        }
        let leases = try await fixture.store.leases(tenantID: "acme", binding: nil, after: nil, limit: 10)
        #expect(leases.count == 1)
        #expect(leases.allSatisfy { $0.state == .revoked })
        try? FileManager.default.removeItem(atPath: fixture.directory)
    }

    static func firstSegment(_ fixture: BrokerFixture) throws -> String {
        try #require(
            try FileManager.default.contentsOfDirectory(atPath: "\(fixture.directory)/audit").sorted().first {
                $0.hasSuffix(".jsonl")
            })
    }
}

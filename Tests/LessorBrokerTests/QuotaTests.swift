import Foundation
import LessorBroker
import LessorCore
import LessorSQLite
import LessorTestSupport
import Testing

/// The tenant class quotas on the exchange: tenant hooli (class `throttled`: 1 request/s, burst 2)
/// and tenant umbrella (class `capped`: 3 live leases). The clock is a `TestClock`, so "later"
/// is a clock advance, never a sleep.
@Suite("Quotas: request rate and live leases per tenant")
struct QuotaTests {
    enum Outcome: Sendable, Equatable {
        case granted
        case refused(String)
    }

    static func exchange(_ fixture: BrokerFixture, _ tenant: String) async -> Outcome {
        do {
            _ = try await fixture.broker.exchange(
                fixture.workload(tenant), path: "token/audiences/billing", requestedTTL: nil)
            return .granted
        } catch {
            return .refused(error.code.rawValue)
        }
    }

    static func denials(_ fixture: BrokerFixture, quota: String) async throws -> [[String: JSONValue]] {
        try await fixture.auditRecords().filter {
            $0["event"]?.stringValue == "deny" && $0["details"]?["quota"]?.stringValue == quota
        }
    }

    @Test("A tenant over its burst is refused with quota_exceeded and a retry hint, audited, and allowed again later")
    func overBurst() async throws {
        let fixture = try BrokerFixture()
        #expect(await Self.exchange(fixture, "hooli") == .granted)
        #expect(await Self.exchange(fixture, "hooli") == .granted)
        let caller = fixture.workload("hooli")
        do {
            _ = try await fixture.broker.exchange(caller, path: "token/audiences/billing", requestedTTL: nil)
            Issue.record("the third request within the burst's second was granted")
        } catch {
            #expect(error.code == .quotaExceeded)
            #expect(error.retryAfter == .seconds(1))
            #expect(error.retryAfterSeconds == 1)
            #expect(error.message.contains("1 requests/s, burst 2"), "\(error.message)")
        }
        let denials = try await Self.denials(fixture, quota: "rate_limit")
        #expect(denials.count == 1)
        let denial = try #require(denials.first)
        #expect(denial["request_id"]?.stringValue == caller.requestID)
        #expect(denial["tenant_id"]?.stringValue == "hooli")
        #expect(denial["decision"]?.stringValue == "deny")
        #expect(denial["reason"]?.stringValue?.hasPrefix("quota_exceeded: ") == true)
        #expect(denial["details"]?["class"]?.stringValue == "throttled")
        #expect(try await fixture.store.liveLeaseCount(tenantID: "hooli", at: fixture.clock.now) == 2)

        fixture.clock.advance(by: .milliseconds(999))
        #expect(await Self.exchange(fixture, "hooli") == .refused("quota_exceeded"))
        fixture.clock.advance(by: .milliseconds(1))
        #expect(await Self.exchange(fixture, "hooli") == .granted)
        #expect(await Self.exchange(fixture, "hooli") == .refused("quota_exceeded"))
        fixture.clock.advance(by: .seconds(60))
        #expect(await Self.exchange(fixture, "hooli") == .granted)
        #expect(await Self.exchange(fixture, "hooli") == .granted)
        #expect(await Self.exchange(fixture, "hooli") == .refused("quota_exceeded"))
        await fixture.cleanUp()
    }

    @Test("While one tenant floods from many tasks and is throttled, every request of another tenant succeeds")
    func isolation() async throws {
        let fixture = try BrokerFixture()
        let outcomes = await withTaskGroup(of: (String, Outcome).self) { group in
            for _ in 0..<32 {
                group.addTask {
                    var last = Outcome.granted
                    var granted = 0
                    for _ in 0..<10 {
                        last = await Self.exchange(fixture, "hooli")
                        if last == .granted { granted += 1 }
                    }
                    return ("hooli", granted > 0 ? .granted : last)
                }
            }
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<10 {
                        let outcome = await Self.exchange(fixture, "acme")
                        guard outcome == .granted else { return ("acme", outcome) }
                    }
                    return ("acme", .granted)
                }
            }
            var all: [(String, Outcome)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let acme = outcomes.filter { $0.0 == "acme" }.map(\.1)
        #expect(acme.count == 8 && acme.allSatisfy { $0 == .granted }, "acme: \(acme)")
        #expect(try await fixture.store.liveLeaseCount(tenantID: "acme", at: fixture.clock.now) == 80)
        #expect(try await fixture.store.liveLeaseCount(tenantID: "hooli", at: fixture.clock.now) == 2)
        let denials = try await Self.denials(fixture, quota: "rate_limit")
        #expect(denials.count == 318, "every refused request of the flood is audited once")
        #expect(denials.allSatisfy { $0["tenant_id"]?.stringValue == "hooli" })
        await fixture.cleanUp()
    }

    @Test("All three exchange paths draw on one bucket, checked before the role is resolved, audited once")
    func everyPathIsThrottled() async throws {
        let fixture = try BrokerFixture()
        let broker = fixture.broker
        _ = try await broker.exchange(fixture.workload("hooli"), path: "token/audiences/billing", requestedTTL: nil)
        _ = try await broker.exchangeToken(subject: fixture.workload("hooli"), actor: nil, audience: "billing")
        let sts = fixture.workload("hooli")
        do {
            _ = try await broker.assumeRole(
                sts, roleARN: "arn:aws:iam::123456789012:role/deployer", sessionName: "x", requestedTTL: nil,
                scopeDown: nil)
            Issue.record("assumeRole passed the rate limit")
        } catch {
            #expect(error.error.code == .quotaExceeded)
            #expect(error.error.retryAfter == .seconds(1))
        }
        let rfc8693 = fixture.workload("hooli")
        do {
            _ = try await broker.exchangeToken(subject: rfc8693, actor: nil, audience: "billing")
            Issue.record("exchangeToken passed the rate limit")
        } catch {
            #expect(error.error.code == .quotaExceeded)
        }
        fixture.clock.advance(by: .seconds(1))
        do {
            _ = try await broker.assumeRole(
                fixture.workload("hooli"), roleARN: "arn:aws:iam::123456789012:role/deployer", sessionName: "x",
                requestedTTL: nil, scopeDown: nil)
            Issue.record("a role no engine serves was granted")
        } catch {
            #expect(error.error.code == .permissionDenied, "within the rate, the role is resolved (and refused)")
        }
        let records = try await fixture.auditRecords()
        for caller in [sts, rfc8693] {
            let mine = records.filter { $0["request_id"]?.stringValue == caller.requestID }
            #expect(mine.count == 1, "one record per refused request: \(mine)")
            #expect(mine.first?["details"]?["quota"]?.stringValue == "rate_limit")
        }
        await fixture.cleanUp()
    }

    @Test("The live-lease cap refuses the (max+1)th lease and allows one again after a revocation or expiry")
    func leaseCap() async throws {
        let fixture = try BrokerFixture()
        var leases: [Lease] = []
        for _ in 0..<3 {
            leases.append(
                try await fixture.broker.exchange(
                    fixture.workload("umbrella"), path: "token/audiences/billing", requestedTTL: nil
                ).lease)
        }
        do {
            _ = try await fixture.broker.exchange(
                fixture.workload("umbrella"), path: "token/audiences/billing", requestedTTL: nil)
            Issue.record("a fourth live lease was granted")
        } catch {
            #expect(error.code == .quotaExceeded)
            #expect(error.retryAfter == nil)
            #expect(error.message.contains("max_leases 3"), "\(error.message)")
        }
        #expect(await Self.exchange(fixture, "acme") == .granted, "another tenant is not capped by umbrella's leases")
        let denials = try await Self.denials(fixture, quota: "max_leases")
        #expect(denials.count == 1 && denials.first?["tenant_id"]?.stringValue == "umbrella")
        let stored = try await fixture.store.leases(tenantID: "umbrella", binding: nil, after: nil, limit: 100)
        #expect(stored.count == 3, "the refusal wrote no intent")

        _ = try await fixture.broker.revoke(fixture.workload("umbrella"), leaseID: leases[0].id)
        #expect(await Self.exchange(fixture, "umbrella") == .granted)
        #expect(await Self.exchange(fixture, "umbrella") == .refused("quota_exceeded"))
        fixture.clock.advance(by: .seconds(15 * 60))
        #expect(await Self.exchange(fixture, "umbrella") == .granted, "expired leases are not live")
        await fixture.cleanUp()
    }

    @Test("Concurrent exchanges never pass the live-lease cap")
    func leaseCapUnderConcurrency() async throws {
        let fixture = try BrokerFixture()
        let outcomes = await withTaskGroup(of: Outcome.self) { group in
            for _ in 0..<24 { group.addTask { await Self.exchange(fixture, "umbrella") } }
            var all: [Outcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter { $0 == .granted }.count == 3, "\(outcomes)")
        #expect(outcomes.filter { $0 == .refused("quota_exceeded") }.count == 21)
        #expect(try await fixture.store.liveLeaseCount(tenantID: "umbrella", at: fixture.clock.now) == 3)
        await fixture.cleanUp()
    }
}

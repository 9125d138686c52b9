import Foundation
import LessorBroker
import LessorCore
import Testing

@Suite("Token bucket and per-tenant quota state")
struct TokenBucketTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func after(_ seconds: Double) -> Date { start.addingTimeInterval(seconds) }

    static func tenantClass(rate: Int, burst: Int) -> TenantClass {
        TenantClass(
            name: "test", defaultTTL: .seconds(900), maxTTL: .seconds(3600), engines: ["token"], residency: [],
            auditRetentionDays: 30, requestsPerSecond: rate, burst: burst, maxLeases: 10, isolation: .pooled,
            location: SourceLocation(file: "test.yaml", line: 1))
    }

    @Test("A new bucket allows its burst at one instant, then answers the wait for the next token")
    func burstThenWait() {
        var bucket = TokenBucket(rate: 4, capacity: 3, now: Self.start)
        for _ in 0..<3 { #expect(bucket.take(at: Self.start) == nil) }
        #expect(bucket.take(at: Self.start) == .milliseconds(250))
        #expect(bucket.take(at: Self.after(0.1)) == .milliseconds(150), "refilled 0.4 of a token")
        #expect(bucket.take(at: Self.after(0.25)) == nil, "waiting the answered delay is enough")
        #expect(bucket.take(at: Self.after(0.25)) == .milliseconds(250))
    }

    @Test("Refill is rate × elapsed time, never above capacity, however long the bucket idles")
    func refillIsCapped() {
        var bucket = TokenBucket(rate: 2, capacity: 5, now: Self.start)
        for _ in 0..<5 { #expect(bucket.take(at: Self.start) == nil) }
        #expect(bucket.available(at: Self.after(1)) == 2)
        #expect(!bucket.isFull(at: Self.after(2)))
        #expect(bucket.isFull(at: Self.after(2.5)))
        #expect(bucket.available(at: Self.after(86_400)) == 5)
        var granted = 0
        while bucket.take(at: Self.after(86_400)) == nil { granted += 1 }
        #expect(granted == 5)
    }

    @Test("A clock that moves back refills nothing and takes nothing away")
    func clockMovesBack() {
        var bucket = TokenBucket(rate: 1, capacity: 2, now: Self.after(10))
        #expect(bucket.take(at: Self.after(10)) == nil)
        #expect(bucket.take(at: Self.after(5)) == nil)
        #expect(bucket.take(at: Self.after(5)) == .seconds(1))
        #expect(bucket.take(at: Self.after(11)) == nil, "a token a second after the latest time seen")
    }

    @Test("A sustained flood is held to the rate: over 10 s at 1/s with burst 2, 12 requests pass")
    func sustainedRate() {
        var bucket = TokenBucket(rate: 1, capacity: 2, now: Self.start)
        var granted = 0
        for step in 0...1000 where bucket.take(at: Self.after(Double(step) / 100)) == nil { granted += 1 }
        #expect(granted == 12)
    }

    @Test("New limits from a reloaded class apply at once; tokens are cut to the new capacity")
    func reconfigure() {
        var bucket = TokenBucket(rate: 10, capacity: 10, now: Self.start)
        bucket.reconfigure(rate: 1, capacity: 2, now: Self.start)
        #expect(bucket.available(at: Self.start) == 2)
        #expect(bucket.take(at: Self.start) == nil)
        #expect(bucket.take(at: Self.start) == nil)
        #expect(bucket.take(at: Self.start) == .seconds(1))
    }

    @Test("Each tenant has its own bucket; idle buckets are dropped, so the state stays bounded")
    func quotasAreBoundedAndSeparate() {
        let quotas = TenantQuotas(sweepInterval: .seconds(10))
        let small = Self.tenantClass(rate: 1, burst: 2)
        for index in 0..<1000 {
            #expect(quotas.takeRequest(tenant: "t\(index)", of: small, at: Self.start) == nil)
        }
        #expect(quotas.trackedTenants == 1000)
        #expect(quotas.takeRequest(tenant: "t0", of: small, at: Self.start) == nil)
        #expect(quotas.takeRequest(tenant: "t0", of: small, at: Self.start) == .seconds(1))
        #expect(quotas.takeRequest(tenant: "t1", of: small, at: Self.start) == nil, "t0's flood is t0's alone")
        #expect(quotas.takeRequest(tenant: "busy", of: small, at: Self.after(10)) == nil)
        #expect(quotas.takeRequest(tenant: "busy", of: small, at: Self.after(10)) == nil)
        #expect(quotas.takeRequest(tenant: "busy", of: small, at: Self.after(21)) == nil)
        #expect(quotas.trackedTenants == 1, "the sweep dropped every full bucket")
        #expect(quotas.takeRequest(tenant: "t0", of: small, at: Self.after(21)) == nil)
        #expect(quotas.takeRequest(tenant: "t0", of: small, at: Self.after(21)) == nil)
        #expect(quotas.takeRequest(tenant: "t0", of: small, at: Self.after(21)) == .seconds(1))
    }
}

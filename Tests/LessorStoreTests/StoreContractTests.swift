import Foundation
import LessorCore
import Testing

/// The behaviour every `LeaseStore` promises, run against each `StoreKind`.
@Suite("LeaseStore contract", .scratchDirectory)
struct StoreContractTests {
    typealias F = Fixture

    // MARK: Tenants

    @Test("ensureTenant creates the tenant once and then returns it unchanged", arguments: StoreKind.allCases)
    func ensureTenantIsIdempotent(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        #expect(try await store.tenant("acme") == nil)

        let created = try await store.ensureTenant("acme", wrappedDataKey: F.key(1), at: F.at(0))
        #expect(
            created
                == TenantRecord(
                    id: "acme", state: .active, createdAt: F.at(0), updatedAt: F.at(0),
                    wrappedDataKey: F.key(1)))

        let again = try await store.ensureTenant("acme", wrappedDataKey: F.key(2), at: F.at(60))
        #expect(again == created)
        #expect(try await store.tenant("acme") == created)
    }

    @Test("offboarding moves active to offboarding to offboarded and destroys the key", arguments: StoreKind.allCases)
    func offboardingTransitions(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme", at: F.at(0))

        let offboarding = try await store.beginOffboarding("acme", at: F.at(10))
        #expect(offboarding.state == .offboarding)
        #expect(offboarding.updatedAt == F.at(10))
        #expect(offboarding.wrappedDataKey == F.key(7), "the key stays until offboarding finishes")
        #expect(try await store.beginOffboarding("acme", at: F.at(20)) == offboarding)

        try await store.finishOffboarding("acme", at: F.at(30))
        let offboarded = try #require(try await store.tenant("acme"))
        #expect(offboarded.state == .offboarded)
        #expect(offboarded.wrappedDataKey == nil)
        #expect(offboarded.createdAt == F.at(0))

        #expect(try await store.beginOffboarding("acme", at: F.at(40)) == offboarded)
        #expect(try await store.ensureTenant("acme", wrappedDataKey: F.key(9), at: F.at(50)) == offboarded)
    }

    @Test("beginOffboarding an unknown tenant records it offboarding, without a key", arguments: StoreKind.allCases)
    func offboardingUnknownTenant(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let record = try await store.beginOffboarding("ghost", at: F.at(5))
        #expect(
            record
                == TenantRecord(
                    id: "ghost", state: .offboarding, createdAt: F.at(5), updatedAt: F.at(5),
                    wrappedDataKey: nil))
        #expect(try await store.tenant("ghost") == record)
    }

    // MARK: Intent and activation

    @Test("an intent is stored pending, activates once, and reads back exactly", arguments: StoreKind.allCases)
    func intentActivateLookup(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        let intent = F.lease("lease-1")

        try await store.insertIntent(intent)
        #expect(try await store.lease(id: "lease-1", tenantID: "acme") == intent)

        #expect(try await store.activate(leaseID: "lease-1", sealedRevocationHandle: [9, 8, 7], lookupDigest: nil))
        var active = intent
        active.state = .active
        active.sealedRevocationHandle = [9, 8, 7]
        #expect(try await store.lease(id: "lease-1", tenantID: "acme") == active)

        #expect(try await store.activate(leaseID: "lease-1", sealedRevocationHandle: nil, lookupDigest: nil) == false)
        #expect(
            try await store.activate(leaseID: "no-such-lease", sealedRevocationHandle: nil, lookupDigest: nil) == false)
    }

    @Test("activate returns false once the intent was revoked", arguments: StoreKind.allCases)
    func activateAfterRevocation(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.insertIntent(F.lease("lease-1"))

        #expect(try await store.markRevoked(leaseIDs: ["lease-1"], tenantID: "acme", at: F.at(1)) == 1)
        #expect(try await store.activate(leaseID: "lease-1", sealedRevocationHandle: [1], lookupDigest: nil) == false)
        let stored = try #require(try await store.lease(id: "lease-1", tenantID: "acme"))
        #expect(stored.state == .revoked)
        #expect(stored.sealedRevocationHandle == nil)
    }

    @Test("activate refuses an intent whose tenant is no longer active", arguments: StoreKind.allCases)
    func activateNeedsAnActiveTenant(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.makeTenant("globex")
        try await store.insertIntent(F.lease("acme-1"))
        try await store.insertIntent(F.lease("globex-1", tenant: "globex"))

        _ = try await store.beginOffboarding("acme", at: F.at(1))
        #expect(try await store.activate(leaseID: "acme-1", sealedRevocationHandle: [1], lookupDigest: nil) == false)
        #expect(try await store.lease(id: "acme-1", tenantID: "acme")?.state == .pending, "left for the scan to revoke")
        #expect(try await store.activate(leaseID: "globex-1", sealedRevocationHandle: [1], lookupDigest: nil))
        #expect(
            try await store.liveLeaseCount(tenantID: "acme", at: F.at(2)) == 0, "a refused activation is not counted")
    }

    @Test(
        "admitIntent records an intent only for a known, active tenant, and writes nothing otherwise",
        arguments: StoreKind.allCases)
    func admitIntentNeedsAnActiveTenant(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.makeTenant("globex")

        #expect(
            try await store.admitIntent(F.lease("nobody-1", tenant: "nobody"), liveLeaseLimit: 10) == .tenantUnknown)
        #expect(try await store.lease(id: "nobody-1", tenantID: "nobody") == nil)
        #expect(try await store.admitIntent(F.lease("acme-1"), liveLeaseLimit: 10) == .recorded)
        #expect(try await store.lease(id: "acme-1", tenantID: "acme")?.state == .pending)

        _ = try await store.beginOffboarding("globex", at: F.at(1))
        #expect(
            try await store.admitIntent(F.lease("globex-1", tenant: "globex"), liveLeaseLimit: 10)
                == .tenantInactive(.offboarding))
        try await store.finishOffboarding("globex", at: F.at(2))
        #expect(
            try await store.admitIntent(F.lease("globex-2", tenant: "globex"), liveLeaseLimit: 10)
                == .tenantInactive(.offboarded))
        #expect(try await store.outstandingLeases(tenantID: "globex", after: nil, limit: 10).isEmpty)
    }

    @Test(
        "admitIntent counts live leases exactly at the intent's time: expired, revoked, revoking, pending and other tenants' leave room",
        arguments: StoreKind.allCases)
    func admitIntentCountsLiveLeases(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.makeTenant("globex")
        try await store.issue(F.lease("live-1", ttl: 600))
        try await store.issue(F.lease("live-2", ttl: 900))
        try await store.issue(F.lease("expired", ttl: 100))
        try await store.issue(F.lease("revoked", ttl: 600))
        _ = try await store.markRevoked(leaseIDs: ["revoked"], tenantID: "acme", at: F.at(1))
        try await store.issue(F.lease("revoking", ttl: 600))
        try await store.recordRevocationFailure(leaseID: "revoking", attempts: 1, nextAttemptAt: F.at(50), error: "x")
        try await store.insertIntent(F.lease("pending", ttl: 600))
        try await store.issue(F.lease("other-tenant", tenant: "globex", ttl: 600))

        let at200 = { (id: String) in F.lease(id, issuedAt: F.at(200)) }
        #expect(try await store.admitIntent(at200("full"), liveLeaseLimit: 2) == .leaseLimitReached)
        #expect(try await store.lease(id: "full", tenantID: "acme") == nil, "a refused intent is not written")
        #expect(try await store.admitIntent(at200("zero"), liveLeaseLimit: 0) == .leaseLimitReached)
        #expect(try await store.admitIntent(at200("room"), liveLeaseLimit: 3) == .recorded)
        #expect(try await store.lease(id: "room", tenantID: "acme")?.state == .pending)

        // Revocations lower no counter a store may keep: the check must still find the room.
        _ = try await store.markRevoked(leaseIDs: ["live-1", "live-2"], tenantID: "acme", at: F.at(150))
        #expect(try await store.admitIntent(at200("freed"), liveLeaseLimit: 1) == .recorded)
        #expect(
            try await store.admitIntent(F.lease("later", issuedAt: F.at(1000)), liveLeaseLimit: 1) == .recorded,
            "by then every lease has expired")
    }

    // MARK: Lookup digest

    @Test(
        "a lease activated with a lookup digest is found by it, and only by it, whatever its tenant",
        arguments: StoreKind.allCases)
    func lookupDigestFindsItsLease(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.makeTenant("globex")
        try await store.insertIntent(F.lease("lease-1"))
        try await store.insertIntent(F.lease("lease-2", tenant: "globex"))
        #expect(try await store.lease(lookupDigest: F.digest(1)) == nil, "a pending intent has no digest yet")

        #expect(try await store.activate(leaseID: "lease-1", sealedRevocationHandle: [9], lookupDigest: F.digest(1)))
        #expect(try await store.activate(leaseID: "lease-2", sealedRevocationHandle: nil, lookupDigest: F.digest(2)))
        var first = F.lease("lease-1")
        first.state = .active
        first.sealedRevocationHandle = [9]
        var second = F.lease("lease-2", tenant: "globex")
        second.state = .active

        #expect(try await store.lease(lookupDigest: F.digest(1)) == first)
        #expect(try await store.lease(lookupDigest: F.digest(2)) == second)
        #expect(try await store.lease(id: "lease-1", tenantID: "acme") == first, "the digest changes nothing else")
        #expect(try await store.lease(lookupDigest: F.digest(3)) == nil)
    }

    @Test("a lease activated without a lookup digest is found by none", arguments: StoreKind.allCases)
    func noLookupDigestFindsNothing(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.issue(F.lease("lease-1"))
        for byte: UInt8 in [0, 1, 2, 0xff] {
            #expect(try await store.lease(lookupDigest: F.digest(byte)) == nil)
        }
    }

    @Test(
        "two leases cannot share a lookup digest: the second activation fails and changes nothing",
        arguments: StoreKind.allCases)
    func lookupDigestIsUnique(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.makeTenant("globex")
        try await store.insertIntent(F.lease("lease-1"))
        #expect(try await store.activate(leaseID: "lease-1", sealedRevocationHandle: [1], lookupDigest: F.digest(1)))
        try await store.insertIntent(F.lease("lease-2", tenant: "globex"))

        let duplicate = await #expect(throws: LessorError.self) {
            try await store.activate(leaseID: "lease-2", sealedRevocationHandle: [2], lookupDigest: F.digest(1))
        }
        #expect(duplicate?.code == .storeUnavailable)
        #expect(duplicate?.message.contains("lookup digest") == true)
        #expect(duplicate?.message.contains(F.digest(1)) == false)
        #expect(try await store.lease(lookupDigest: F.digest(1))?.id == "lease-1")
        #expect(try await store.lease(id: "lease-2", tenantID: "globex") == F.lease("lease-2", tenant: "globex"))

        #expect(try await store.activate(leaseID: "lease-2", sealedRevocationHandle: [2], lookupDigest: F.digest(2)))
        #expect(try await store.lease(lookupDigest: F.digest(2))?.id == "lease-2")
    }

    @Test("of concurrent activations with one lookup digest exactly one wins", arguments: StoreKind.allCases)
    func concurrentActivationsShareNoDigest(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        let ids = (0..<20).map { "racer-\($0)" }
        for id in ids { try await store.insertIntent(F.lease(id)) }

        let winners = await withTaskGroup(of: String?.self) { group in
            for id in ids {
                group.addTask {
                    let won = try? await store.activate(
                        leaseID: id, sealedRevocationHandle: nil, lookupDigest: F.digest(7))
                    return won == true ? id : nil
                }
            }
            return await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
        }
        #expect(winners.count == 1)
        #expect(try await store.lease(lookupDigest: F.digest(7))?.id == winners.first)
        let states = try await store.leases(tenantID: "acme", binding: nil, after: nil, limit: 100).map(\.state)
        #expect(states.filter { $0 == .active }.count == 1)
        #expect(states.filter { $0 == .pending }.count == ids.count - 1)
    }

    @Test("a revoked lease is still found by its lookup digest, with its state", arguments: StoreKind.allCases)
    func lookupDigestFindsRevokedLease(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.insertIntent(F.lease("lease-1"))
        #expect(try await store.activate(leaseID: "lease-1", sealedRevocationHandle: [1], lookupDigest: F.digest(1)))
        #expect(try await store.markRevoked(leaseIDs: ["lease-1"], tenantID: "acme", at: F.at(5)) == 1)
        let revoked = try #require(try await store.lease(lookupDigest: F.digest(1)))
        #expect(revoked.id == "lease-1")
        #expect(revoked.state == .revoked)

        try await store.insertIntent(F.lease("lease-2"))
        _ = try await store.markRevoked(leaseIDs: ["lease-2"], tenantID: "acme", at: F.at(6))
        #expect(
            try await store.activate(leaseID: "lease-2", sealedRevocationHandle: nil, lookupDigest: F.digest(2))
                == false)
        #expect(
            try await store.lease(lookupDigest: F.digest(2)) == nil, "an intent revoked first never gets the digest")
    }

    @Test(
        "a lookup digest that is not 64 lower-case hex digits is refused without being quoted",
        arguments: StoreKind.allCases)
    func malformedLookupDigest(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.insertIntent(F.lease("lease-1"))
        let rawKey = "AKIAIOSFODNN7EXAMPLE"
        for text in ["", rawKey, F.digest(0xab).uppercased(), String(F.digest(1).dropLast())] {
            let activation = await #expect(throws: LessorError.self) {
                try await store.activate(leaseID: "lease-1", sealedRevocationHandle: nil, lookupDigest: text)
            }
            #expect(activation?.code == .requestInvalid)
            #expect(activation?.message.contains(rawKey) == false)
            let lookup = await #expect(throws: LessorError.self) { try await store.lease(lookupDigest: text) }
            #expect(lookup?.code == .requestInvalid)
        }
        #expect(try await store.lease(id: "lease-1", tenantID: "acme")?.state == .pending)
    }

    // MARK: Tenant isolation

    @Test("another tenant's lease is invisible to every tenant-scoped call", arguments: StoreKind.allCases)
    func otherTenantSeesNothing(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.makeTenant("globex")
        let lease = try await store.issue(F.lease("lease-1", tenant: "acme"))

        #expect(try await store.lease(id: "lease-1", tenantID: "globex") == nil)
        #expect(try await store.extend(leaseID: "lease-1", tenantID: "globex", to: F.at(1200), at: F.at(1)) == nil)
        #expect(try await store.leases(tenantID: "globex", binding: nil, after: nil, limit: 10).isEmpty)
        #expect(try await store.leases(tenantID: "globex", binding: "ci-deployer", after: nil, limit: 10).isEmpty)
        #expect(try await store.outstandingLeases(tenantID: "globex", after: nil, limit: 10).isEmpty)
        #expect(try await store.liveLeaseCount(tenantID: "globex", at: F.at(1)) == 0)

        #expect(try await store.lease(id: "lease-1", tenantID: "acme") == lease, "the failed extend changed nothing")
    }

    // MARK: Renewal

    @Test("extend moves the expiry up to maxExpiresAt and never past it", arguments: StoreKind.allCases)
    func extendWithinMaximum(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        let lease = try await store.issue(F.lease("lease-1", ttl: 600, maxTTL: 3600))

        let extended = try #require(
            try await store.extend(leaseID: "lease-1", tenantID: "acme", to: F.at(1200), at: F.at(300)))
        var expected = lease
        expected.expiresAt = F.at(1200)
        #expect(extended == expected)
        #expect(try await store.lease(id: "lease-1", tenantID: "acme") == expected)

        #expect(try await store.extend(leaseID: "lease-1", tenantID: "acme", to: F.at(3601), at: F.at(300)) == nil)
        #expect(try await store.lease(id: "lease-1", tenantID: "acme")?.expiresAt == F.at(1200))
        #expect(
            try await store.extend(leaseID: "lease-1", tenantID: "acme", to: F.at(3600), at: F.at(300))?.expiresAt
                == F.at(3600))
    }

    @Test("extend never revives a pending, revoked or expired lease", arguments: StoreKind.allCases)
    func extendRefusesDeadLeases(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.insertIntent(F.lease("pending"))
        try await store.issue(F.lease("revoked"))
        _ = try await store.markRevoked(leaseIDs: ["revoked"], tenantID: "acme", at: F.at(1))
        try await store.issue(F.lease("expired", ttl: 600))

        #expect(try await store.extend(leaseID: "pending", tenantID: "acme", to: F.at(900), at: F.at(10)) == nil)
        #expect(try await store.extend(leaseID: "revoked", tenantID: "acme", to: F.at(900), at: F.at(10)) == nil)
        #expect(try await store.extend(leaseID: "expired", tenantID: "acme", to: F.at(900), at: F.at(600)) == nil)
        #expect(try await store.extend(leaseID: "missing", tenantID: "acme", to: F.at(900), at: F.at(10)) == nil)
        #expect(try await store.lease(id: "expired", tenantID: "acme")?.expiresAt == F.at(600))
    }

    // MARK: Revocation

    @Test("markRevoked counts only the outstanding leases it changed", arguments: StoreKind.allCases)
    func markRevokedCounts(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.insertIntent(F.lease("pending"))
        try await store.issue(F.lease("active"))
        try await store.issue(F.lease("revoking"))
        try await store.recordRevocationFailure(leaseID: "revoking", attempts: 1, nextAttemptAt: F.at(5), error: "503")
        try await store.issue(F.lease("irrevocable"))
        try await store.recordRevocationFailure(leaseID: "irrevocable", attempts: 6, nextAttemptAt: nil, error: "gone")
        try await store.issue(F.lease("revoked"))
        _ = try await store.markRevoked(leaseIDs: ["revoked"], tenantID: "acme", at: F.at(1))

        let ids = ["pending", "active", "revoking", "irrevocable", "revoked", "missing", "active"]
        #expect(try await store.markRevoked(leaseIDs: ids, tenantID: "acme", at: F.at(2)) == 3)
        #expect(try await store.markRevoked(leaseIDs: ids, tenantID: "acme", at: F.at(3)) == 0)
        #expect(try await store.markRevoked(leaseIDs: [], tenantID: "acme", at: F.at(3)) == 0)
        for id in ["pending", "active", "revoking", "revoked"] {
            #expect(try await store.lease(id: id, tenantID: "acme")?.state == .revoked)
        }
        #expect(try await store.lease(id: "irrevocable", tenantID: "acme")?.state == .irrevocable)
    }

    @Test("markRevoked naming another tenant changes none of this tenant's leases", arguments: StoreKind.allCases)
    func markRevokedStaysInItsTenant(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.makeTenant("globex")
        try await store.issue(F.lease("acme-1"))
        try await store.issue(F.lease("globex-1", tenant: "globex"))

        #expect(try await store.markRevoked(leaseIDs: ["acme-1", "globex-1"], tenantID: "globex", at: F.at(1)) == 1)
        #expect(try await store.lease(id: "acme-1", tenantID: "acme")?.state == .active)
        #expect(try await store.lease(id: "globex-1", tenantID: "globex")?.state == .revoked)
    }

    @Test(
        "a failed revocation is retried as revoking, and becomes irrevocable without a next attempt",
        arguments: StoreKind.allCases)
    func revocationFailures(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.issue(F.lease("lease-1"))

        try await store.recordRevocationFailure(
            leaseID: "lease-1", attempts: 1, nextAttemptAt: F.at(700), error: "upstream answered 503")
        let revoking = try #require(try await store.lease(id: "lease-1", tenantID: "acme"))
        #expect(revoking.state == .revoking)
        #expect(revoking.revokeAttempts == 1)
        #expect(revoking.nextAttemptAt == F.at(700))
        #expect(revoking.lastError == "upstream answered 503")

        try await store.recordRevocationFailure(
            leaseID: "lease-1", attempts: 6, nextAttemptAt: nil, error: "upstream refused")
        let irrevocable = try #require(try await store.lease(id: "lease-1", tenantID: "acme"))
        #expect(irrevocable.state == .irrevocable)
        #expect(irrevocable.revokeAttempts == 6)
        #expect(irrevocable.nextAttemptAt == nil)
        #expect(irrevocable.lastError == "upstream refused")
        #expect(try await store.outstandingLeases(tenantID: "acme", after: nil, limit: 10).isEmpty)
    }

    // MARK: Due work

    @Test(
        "claimDue picks expired active leases, due retries and old intents, and holds them",
        arguments: StoreKind.allCases)
    func claimDuePicksDueWork(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        let now = F.at(1000)
        try await store.issue(F.lease("expired", ttl: 600))
        try await store.issue(F.lease("expires-now", ttl: 1000))
        try await store.issue(F.lease("live", ttl: 2000))
        try await store.issue(F.lease("retry-due"))
        try await store.recordRevocationFailure(leaseID: "retry-due", attempts: 1, nextAttemptAt: F.at(900), error: "x")
        try await store.issue(F.lease("retry-later"))
        try await store.recordRevocationFailure(
            leaseID: "retry-later", attempts: 1, nextAttemptAt: F.at(1100), error: "x")
        try await store.insertIntent(F.lease("old-intent", issuedAt: F.at(0)))
        try await store.insertIntent(F.lease("young-intent", issuedAt: F.at(950), ttl: 600))
        try await store.issue(F.lease("revoked", ttl: 600))
        _ = try await store.markRevoked(leaseIDs: ["revoked"], tenantID: "acme", at: F.at(700))
        try await store.issue(F.lease("irrevocable", ttl: 600))
        try await store.recordRevocationFailure(leaseID: "irrevocable", attempts: 6, nextAttemptAt: nil, error: "x")

        let claimed = try await store.claimDue(now: now, pendingBefore: F.at(900), hold: .seconds(60), limit: 100)
        #expect(Set(claimed.map(\.id)) == ["expired", "expires-now", "retry-due", "old-intent"])
        #expect(claimed.allSatisfy { $0.nextAttemptAt == F.at(1060) })
        let stored = try await store.lease(id: "expired", tenantID: "acme")
        #expect(stored?.nextAttemptAt == F.at(1060), "the hold is stored with the claim")

        #expect(try await store.claimDue(now: now, pendingBefore: F.at(900), hold: .seconds(60), limit: 100).isEmpty)
        let reclaimed = try await store.claimDue(
            now: F.at(1060), pendingBefore: F.at(900), hold: .seconds(60), limit: 100)
        #expect(Set(reclaimed.map(\.id)) == ["expired", "expires-now", "retry-due", "old-intent"])

        let limited = try await store.claimDue(
            now: F.at(1200), pendingBefore: F.at(900), hold: .seconds(60), limit: 2)
        #expect(limited.count == 2)
    }

    @Test("concurrent claimers never get the same lease and together get all of them", arguments: StoreKind.allCases)
    func concurrentClaimersAreDisjoint(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        let ids = (0..<500).map { String(format: "due-%04d", $0) }
        try await withThrowingTaskGroup { group in
            for id in ids { group.addTask { try await store.issue(F.lease(id, ttl: 60)) } }
            try await group.waitForAll()
        }

        let claims = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine: [String] = []
                    while true {
                        let batch = try await store.claimDue(
                            now: F.at(120), pendingBefore: F.at(0), hold: .seconds(300), limit: 7)
                        if batch.isEmpty { return mine }
                        mine += batch.map(\.id)
                        await Task.yield()
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let all = claims.flatMap { $0 }
        #expect(all.count == ids.count, "no lease was claimed twice")
        #expect(Set(all) == Set(ids), "every due lease was claimed")
    }

    // MARK: Listing and counting

    @Test("leases are listed in id order with a cursor, optionally for one binding", arguments: StoreKind.allCases)
    func listingWithCursor(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.makeTenant("globex")
        for (id, binding) in [("e", "ci"), ("a", "ci"), ("d", "web"), ("b", "web"), ("c", "ci")] {
            try await store.issue(F.lease(id, binding: binding))
        }
        try await store.issue(F.lease("aa", tenant: "globex", binding: "ci"))
        _ = try await store.markRevoked(leaseIDs: ["b"], tenantID: "acme", at: F.at(1))

        let first = try await store.leases(tenantID: "acme", binding: nil, after: nil, limit: 2)
        #expect(first.map(\.id) == ["a", "b"])
        let second = try await store.leases(tenantID: "acme", binding: nil, after: first.last?.id, limit: 2)
        #expect(second.map(\.id) == ["c", "d"])
        let third = try await store.leases(tenantID: "acme", binding: nil, after: second.last?.id, limit: 2)
        #expect(third.map(\.id) == ["e"])
        #expect(try await store.leases(tenantID: "acme", binding: nil, after: "e", limit: 2).isEmpty)

        let ci = try await store.leases(tenantID: "acme", binding: "ci", after: nil, limit: 10)
        #expect(ci.map(\.id) == ["a", "c", "e"])
        let web = try await store.leases(tenantID: "acme", binding: "web", after: "b", limit: 10)
        #expect(web.map(\.id) == ["d"])
    }

    @Test("outstandingLeases pages through pending, active and revoking leases only", arguments: StoreKind.allCases)
    func outstandingWithCursor(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.insertIntent(F.lease("1-pending"))
        try await store.issue(F.lease("2-active"))
        try await store.issue(F.lease("3-revoked"))
        _ = try await store.markRevoked(leaseIDs: ["3-revoked"], tenantID: "acme", at: F.at(1))
        try await store.issue(F.lease("4-revoking"))
        try await store.recordRevocationFailure(leaseID: "4-revoking", attempts: 1, nextAttemptAt: F.at(9), error: "x")
        try await store.issue(F.lease("5-irrevocable"))
        try await store.recordRevocationFailure(leaseID: "5-irrevocable", attempts: 6, nextAttemptAt: nil, error: "x")
        try await store.issue(F.lease("6-active"))

        let first = try await store.outstandingLeases(tenantID: "acme", after: nil, limit: 2)
        #expect(first.map(\.id) == ["1-pending", "2-active"])
        let rest = try await store.outstandingLeases(tenantID: "acme", after: "2-active", limit: 10)
        #expect(rest.map(\.id) == ["4-revoking", "6-active"])
    }

    @Test("liveLeaseCount counts active unexpired leases only", arguments: StoreKind.allCases)
    func liveCount(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.issue(F.lease("live-1", ttl: 600))
        try await store.issue(F.lease("live-2", ttl: 900))
        try await store.issue(F.lease("expired", ttl: 100))
        try await store.issue(F.lease("revoked", ttl: 600))
        _ = try await store.markRevoked(leaseIDs: ["revoked"], tenantID: "acme", at: F.at(1))
        try await store.insertIntent(F.lease("pending", ttl: 600))

        #expect(try await store.liveLeaseCount(tenantID: "acme", at: F.at(100)) == 2)
        #expect(try await store.liveLeaseCount(tenantID: "acme", at: F.at(600)) == 1)
        #expect(try await store.liveLeaseCount(tenantID: "acme", at: F.at(900)) == 0)
    }

    @Test("statistics count live leases, the revocation backlog and irrevocable leases", arguments: StoreKind.allCases)
    func statistics(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        #expect(
            try await store.statistics(at: F.at(0)) == LeaseStatistics(live: 0, revocationBacklog: 0, irrevocable: 0))
        try await store.makeTenant("acme")
        try await store.makeTenant("globex")
        try await store.issue(F.lease("live", ttl: 600))
        try await store.issue(F.lease("live-globex", tenant: "globex", ttl: 600))
        try await store.issue(F.lease("expired", ttl: 100))
        try await store.issue(F.lease("revoking"))
        try await store.recordRevocationFailure(leaseID: "revoking", attempts: 1, nextAttemptAt: F.at(500), error: "x")
        try await store.issue(F.lease("irrevocable"))
        try await store.recordRevocationFailure(leaseID: "irrevocable", attempts: 6, nextAttemptAt: nil, error: "x")
        try await store.issue(F.lease("revoked"))
        _ = try await store.markRevoked(leaseIDs: ["revoked"], tenantID: "acme", at: F.at(1))
        try await store.insertIntent(F.lease("pending"))

        #expect(
            try await store.statistics(at: F.at(200)) == LeaseStatistics(live: 2, revocationBacklog: 2, irrevocable: 1))
    }

    // MARK: Concurrency

    @Test("200 concurrent exchanges all land (group commit)", arguments: StoreKind.allCases)
    func concurrentExchangesLand(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        let ids = (0..<200).map { "exchange-\($0)" }
        try await withThrowingTaskGroup { group in
            for id in ids { group.addTask { try await store.issue(F.lease(id, ttl: 600)) } }
            try await group.waitForAll()
        }
        #expect(try await store.liveLeaseCount(tenantID: "acme", at: F.at(1)) == 200)
        let listed = try await store.leases(tenantID: "acme", binding: nil, after: nil, limit: 1000)
        #expect(Set(listed.map(\.id)) == Set(ids))
        #expect(listed.allSatisfy { $0.state == .active && $0.sealedRevocationHandle == [1, 2, 3] })
    }

    @Test("a failing write fails only its own caller, not the writes committed with it", arguments: StoreKind.allCases)
    func failedWriteIsIsolated(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.insertIntent(F.lease("taken"))

        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            for index in 0..<50 {
                let id = index.isMultiple(of: 10) ? "taken" : "fresh-\(index)"
                group.addTask { (id, (try? await store.insertIntent(F.lease(id))) != nil) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0.0 == "taken" }.allSatisfy { !$0.1 })
        #expect(outcomes.filter { $0.0 != "taken" }.allSatisfy { $0.1 })
        #expect(try await store.leases(tenantID: "acme", binding: nil, after: nil, limit: 100).count == 46)
    }

    // MARK: Malformed input

    @Test("malformed input is refused with a clear error that names no lease", arguments: StoreKind.allCases)
    func malformedInput(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.makeTenant("acme")
        try await store.insertIntent(F.lease("lease-secret-1"))

        let emptyID = await #expect(throws: LessorError.self) { try await store.insertIntent(F.lease("")) }
        #expect(emptyID?.code == .requestInvalid)
        let emptyTenant = await #expect(throws: LessorError.self) { try await store.tenant("") }
        #expect(emptyTenant?.code == .requestInvalid)
        let zeroLimit = await #expect(throws: LessorError.self) {
            try await store.leases(tenantID: "acme", binding: nil, after: nil, limit: 0)
        }
        #expect(zeroLimit?.code == .requestInvalid)
        var active = F.lease("lease-2")
        active.state = .active
        let notPending = await #expect(throws: LessorError.self) { try await store.insertIntent(active) }
        #expect(notPending?.code == .requestInvalid)

        let duplicate = await #expect(throws: LessorError.self) {
            try await store.insertIntent(F.lease("lease-secret-1"))
        }
        #expect(duplicate?.code == .storeUnavailable)
        #expect(duplicate?.message.contains("already exists") == true)
        #expect(duplicate?.message.contains("lease-secret-1") == false)

        let unknownTenant = await #expect(throws: LessorError.self) {
            try await store.insertIntent(F.lease("lease-3", tenant: "nobody"))
        }
        #expect(unknownTenant?.code == .storeUnavailable)
        #expect(unknownTenant?.message.contains("tenant") == true)
        #expect(unknownTenant?.message.contains("nobody") == false)
    }

    // MARK: The audit log's anchor

    @Test(
        "An audit log's anchor only moves forward, unless rewound; each log has its own", arguments: StoreKind.allCases)
    func auditAnchors(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        func anchor(_ sequence: Int, _ digit: Character) -> AuditAnchor {
            AuditAnchor(sequence: sequence, hash: String(repeating: digit, count: 64))
        }
        #expect(try await store.auditAnchor(log: "node-a:/audit") == nil)
        try await store.recordAuditAnchor(anchor(10, "a"), log: "node-a:/audit", rewinding: false, at: F.at(0))
        try await store.recordAuditAnchor(anchor(25, "b"), log: "node-a:/audit", rewinding: false, at: F.at(1))
        try await store.recordAuditAnchor(anchor(20, "c"), log: "node-a:/audit", rewinding: false, at: F.at(2))
        try await store.recordAuditAnchor(anchor(3, "d"), log: "node-b:/audit", rewinding: false, at: F.at(2))
        #expect(try await store.auditAnchor(log: "node-a:/audit") == anchor(25, "b"))
        #expect(try await store.auditAnchor(log: "node-b:/audit") == anchor(3, "d"))
        try await store.recordAuditAnchor(anchor(12, "e"), log: "node-a:/audit", rewinding: true, at: F.at(3))
        #expect(try await store.auditAnchor(log: "node-a:/audit") == anchor(12, "e"))
        let empty = await #expect(throws: LessorError.self) { try await store.auditAnchor(log: "") }
        #expect(empty?.code == .requestInvalid)
    }
}

import Foundation
import LessorCore
import Testing

@testable import LessorPostgres

/// Two stores with their own pools on one database behave as two broker replicas.
@Suite("PostgreSQL replicas")
struct PostgresReplicaTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)

    @Test("concurrent claims never return the same lease and together cover every due lease")
    func concurrentClaimsPartitionDueLeases() async throws {
        let configuration = try PostgresTestDatabase.freshConfiguration()
        let first = PostgresTestDatabase.store(configuration)
        let second = PostgresTestDatabase.store(configuration)
        try await first.withRunning { first in
            try await second.withRunning { second in
                _ = try await first.ensureTenant("acme", wrappedDataKey: [1, 2, 3], at: now)
                var due: Set<String> = []
                for index in 0..<240 {
                    let id = String(format: "lease-%04d", index)
                    switch index % 4 {
                    case 0:
                        try await put(makeLease(id, expiresIn: -60), activated: true, in: first)
                    case 1:
                        try await put(makeLease(id, expiresIn: 600), activated: true, in: second)
                        try await first.recordRevocationFailure(
                            leaseID: id, attempts: 1, nextAttemptAt: now.addingTimeInterval(-5), error: "upstream 503")
                    case 2:
                        try await put(makeLease(id, expiresIn: 600, issuedIn: -600), activated: false, in: second)
                    default:
                        try await put(makeLease(id, expiresIn: 3000), activated: true, in: first)
                    }
                    if index % 4 != 3 { due.insert(id) }
                }
                let pendingBefore = now.addingTimeInterval(-60)
                let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                    for replica in [first, second, first, second] {
                        group.addTask {
                            var claimed: [String] = []
                            while true {
                                let batch = try await replica.claimDue(
                                    now: now, pendingBefore: pendingBefore, hold: .seconds(600), limit: 7)
                                if batch.isEmpty { return claimed }
                                claimed += batch.map(\.id)
                            }
                        }
                    }
                    var all: [[String]] = []
                    for try await claimed in group { all.append(claimed) }
                    return all
                }
                let claimed = claims.flatMap { $0 }
                #expect(claimed.count == Set(claimed).count, "a lease was claimed twice")
                #expect(Set(claimed) == due)
                #expect(claims.filter { !$0.isEmpty }.count >= 2, "one worker claimed everything")
                let later = try await second.claimDue(
                    now: now.addingTimeInterval(60), pendingBefore: pendingBefore, hold: .seconds(600), limit: 1000)
                #expect(later.isEmpty, "a held lease was claimed again before its hold ran out")
                let afterHold = try await second.claimDue(
                    now: now.addingTimeInterval(601), pendingBefore: pendingBefore, hold: .seconds(600), limit: 1000)
                #expect(Set(afterHold.map(\.id)) == due)
            }
        }
    }

    @Test("offboarding through one replica is seen by the other's next tenant read")
    func offboardingIsVisibleToOtherReplica() async throws {
        let configuration = try PostgresTestDatabase.freshConfiguration()
        let first = PostgresTestDatabase.store(configuration)
        let second = PostgresTestDatabase.store(configuration)
        try await first.withRunning { first in
            try await second.withRunning { second in
                _ = try await first.ensureTenant("acme", wrappedDataKey: [1, 2, 3], at: now)
                #expect(try await second.tenant("acme")?.state == .active)

                let offboarding = try await first.beginOffboarding("acme", at: now.addingTimeInterval(1))
                #expect(offboarding.state == .offboarding)
                let seen = try #require(try await second.tenant("acme"))
                #expect(seen.state == .offboarding)
                #expect(seen.wrappedDataKey == [1, 2, 3])

                let again = try await second.beginOffboarding("acme", at: now.addingTimeInterval(2))
                #expect(again == seen)

                try await second.finishOffboarding("acme", at: now.addingTimeInterval(3))
                let finished = try #require(try await first.tenant("acme"))
                #expect(finished.state == .offboarded)
                #expect(finished.wrappedDataKey == nil)
            }
        }
    }

    @Test("replicas opening at once apply each migration once")
    func concurrentOpensMigrateOnce() async throws {
        let configuration = try PostgresTestDatabase.freshConfiguration()
        let replicas = (0..<3).map { _ in PostgresTestDatabase.store(configuration) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for replica in replicas {
                group.addTask { await replica.runPool() }
            }
            let applied = try await withThrowingTaskGroup(of: Int.self) { migrations in
                for replica in replicas {
                    migrations.addTask { try await replica.migrate() }
                }
                return try await migrations.reduce(0, +)
            }
            #expect(applied == PostgresMigration.all.count)
            #expect(try await replicas[0].migrate() == 0)

            _ = try await replicas[2].ensureTenant("acme", wrappedDataKey: [1], at: now)
            try await replicas[1].insertIntent(makeLease("shared", expiresIn: 600))
            #expect(try await replicas[2].lease(id: "shared", tenantID: "acme")?.state == .pending)
            group.cancelAll()
        }
    }

    /// Writes `lease` as an exchange does: the pending intent, then (if `activated`) its activation.
    private func put(_ lease: Lease, activated: Bool, in store: PostgresLeaseStore) async throws {
        try await store.insertIntent(lease)
        if activated {
            #expect(try await store.activate(leaseID: lease.id, sealedRevocationHandle: [9, 8, 7], lookupDigest: nil))
        }
    }

    private func makeLease(_ id: String, expiresIn: TimeInterval, issuedIn: TimeInterval = -10) -> Lease {
        Lease(
            id: id, tenantID: "acme", issuer: "https://issuer.test", subject: "system:serviceaccount:ci:runner",
            binding: "ci", path: "token/audiences/billing", engine: "token", issuedAt: now.addingTimeInterval(issuedIn),
            expiresAt: now.addingTimeInterval(expiresIn), maxExpiresAt: now.addingTimeInterval(3600), renewable: true,
            state: .pending, policyDigest: "sha256:abc", requestID: "req-\(id)")
    }
}

import Foundation
import LessorCore
import LessorSQLite
import Testing

/// What only the SQLite store promises: its file survives a close, and its migrations run once.
@Suite("SQLite store", .scratchDirectory)
struct SQLiteStoreTests {
    typealias F = Fixture

    @Test("a closed store reopens with every tenant and lease, without re-running its migrations")
    func reopensWithAllData() async throws {
        let path = try ScratchDirectory.newDatabasePath()
        let store = try SQLiteLeaseStore.open(path: path)
        #expect(
            try await store.appliedMigrations() == [
                "v1-tenants-and-leases", "v2-lease-lookup-digest", "v3-live-lease-count-covering",
                "v4-tenant-active-lease-counts", "v5-audit-anchors",
            ])
        let tenant = try await store.makeTenant("acme")
        let active = try await store.issue(F.lease("lease-1"))
        try await store.insertIntent(F.lease("lease-2"))
        try await store.recordRevocationFailure(leaseID: "lease-2", attempts: 2, nextAttemptAt: F.at(9), error: "x")
        let revoking = try #require(try await store.lease(id: "lease-2", tenantID: "acme"))
        await store.close()

        let closed = await #expect(throws: LessorError.self) { try await store.insertIntent(F.lease("lease-3")) }
        #expect(closed?.code == .storeUnavailable)

        let reopened = try SQLiteLeaseStore.open(path: path)
        #expect(
            try await reopened.appliedMigrations() == [
                "v1-tenants-and-leases", "v2-lease-lookup-digest", "v3-live-lease-count-covering",
                "v4-tenant-active-lease-counts", "v5-audit-anchors",
            ])
        #expect(try await reopened.tenant("acme") == tenant)
        #expect(try await reopened.lease(id: "lease-1", tenantID: "acme") == active)
        #expect(try await reopened.lease(id: "lease-2", tenantID: "acme") == revoking)
        try await reopened.insertIntent(F.lease("lease-3"))
        await reopened.close()
    }

    @Test("a closed store leaves an empty write-ahead log, so the next open has nothing to replay")
    func closeCheckpointsTheLog() async throws {
        let path = try ScratchDirectory.newDatabasePath()
        let store = try SQLiteLeaseStore.open(path: path)
        _ = try await store.makeTenant("acme")
        for index in 0..<200 { _ = try await store.issue(F.lease("lease-\(index)")) }
        _ = try await store.lease(id: "lease-1", tenantID: "acme")
        _ = try await store.leases(tenantID: "acme", binding: nil, after: nil, limit: 10)
        #expect(FileManager.default.fileExists(atPath: path + "-wal"), "the writes went through the log")
        await store.close()

        let log = try? FileManager.default.attributesOfItem(atPath: path + "-wal")
        #expect((log?[.size] as? Int ?? 0) == 0, "the log is checkpointed and truncated")
        let reopened = try SQLiteLeaseStore.open(path: path)
        #expect(try await reopened.liveLeaseCount(tenantID: "acme", at: F.at(1)) == 200)
        await reopened.close()
    }

    @Test("a path in a missing directory fails to open with storeUnavailable and says what to check")
    func openFailureIsClear() async throws {
        let path = try ScratchDirectory.newDatabasePath() + "-missing/leases.sqlite"
        let error = #expect(throws: LessorError.self) { try SQLiteLeaseStore.open(path: path) }
        #expect(error?.code == .storeUnavailable)
        #expect(error?.message.contains("check") == true)
    }
}

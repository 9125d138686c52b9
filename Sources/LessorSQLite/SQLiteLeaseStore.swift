public import Foundation
import GRDB
public import LessorCore

/// The embedded lease store: one SQLite file in WAL mode with `synchronous = FULL`, so every call
/// is durable when it returns.
///
/// Writes are group-committed: every write is queued to one writer thread, which runs all the
/// writes queued meanwhile in one transaction and one `fsync` (see `SQLiteWriteBatcher`). Reads
/// run on the pool's reader connections and never wait for the writer. Dates are stored as whole
/// milliseconds since 1970. Every SQLite failure is thrown as `storeUnavailable`; malformed input
/// (an empty id, a limit below 1) as `requestInvalid`.
public final class SQLiteLeaseStore: LeaseStore, Sendable {
    /// The database file.
    public let path: String
    private let pool: DatabasePool
    private let queue: SQLiteWriteQueue

    private init(path: String, pool: DatabasePool, queue: SQLiteWriteQueue) {
        self.path = path
        self.pool = pool
        self.queue = queue
    }

    /// Opens (creating if needed) the store at `path`, applies the migrations it lacks, and starts
    /// the writer thread. Opening reads only the schema, however many leases the file holds.
    public static func open(path: String) throws(LessorError) -> SQLiteLeaseStore {
        var configuration = Configuration()
        configuration.label = "lessor-store"
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        // `lookUp` reads on cooperative threads: one reader each, and the default 5 for the rest.
        configuration.maximumReaderCount = 5 + ProcessInfo.processInfo.activeProcessorCount
        configuration.publicStatementArguments = false
        configuration.prepareDatabase { db in
            // Freed content is zeroed, so a destroyed tenant key does not linger in the file.
            try db.execute(sql: "PRAGMA secure_delete = FAST")
            try db.execute(sql: "PRAGMA cache_size = -16384")
            try db.execute(sql: "PRAGMA mmap_size = 268435456")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets `synchronous = NORMAL` with WAL; a returned write must survive power loss.
            // The writer keeps more pages cached: offboarding and sweeps touch pages all over the file.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "PRAGMA cache_size = -65536")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 16384")
                try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
            }
            let migrator = SQLiteMigrations.migrator
            if try pool.read(migrator.hasBeenSuperseded) {
                throw LessorError(
                    .storeUnavailable,
                    "could not open the SQLite store at \(path): a newer Lessor migrated it; run that version or "
                        + "restore a backup")
            }
            try migrator.migrate(pool)
        } catch {
            throw SQLiteStoreFailure.storeError(error, while: "open the SQLite store at \(path)")
        }
        let queue = SQLiteWriteQueue()
        let batcher = SQLiteWriteBatcher(queue: queue, pool: pool)
        let thread = Thread { batcher.run() }
        thread.name = "lessor-sqlite-writer"
        thread.start()
        return SQLiteLeaseStore(path: path, pool: pool, queue: queue)
    }

    deinit { queue.requestClose(waiter: nil) }

    /// Finishes the queued writes, stops the writer and closes the file; later calls fail with
    /// `storeUnavailable`.
    public func close() async {
        await withCheckedContinuation { continuation in queue.requestClose(waiter: continuation) }
    }

    /// The identifiers of the migrations recorded in the file, in the order they were applied.
    public func appliedMigrations() async throws(LessorError) -> [String] {
        try await read("read the applied migrations") { db in try SQLiteMigrations.migrator.appliedMigrations(db) }
    }

    // MARK: Tenants

    public func tenant(_ id: String) async throws(LessorError) -> TenantRecord? {
        try Self.require(id, "the tenant id")
        return try lookUp("read the tenant") { db in try TenantRow.fetch(db, id: id) }
    }

    public func ensureTenant(_ id: String, wrappedDataKey: [UInt8], at now: Date) async throws(LessorError)
        -> TenantRecord
    {
        try Self.require(id, "the tenant id")
        let key = Data(wrappedDataKey)
        let at = SQLiteTime.milliseconds(now)
        return try await write("create the tenant", changesOnce: true) { db in
            try db.cachedStatement(sql: Self.insertTenant).execute(arguments: [id, at, at, key])
            return try Self.storedTenant(db, id)
        }
    }

    public func beginOffboarding(_ id: String, at now: Date) async throws(LessorError) -> TenantRecord {
        try Self.require(id, "the tenant id")
        let at = SQLiteTime.milliseconds(now)
        return try await write("begin offboarding the tenant", changesOnce: true) { db in
            try db.cachedStatement(sql: Self.beginOffboarding).execute(arguments: [id, at, at])
            return try Self.storedTenant(db, id)
        }
    }

    public func finishOffboarding(_ id: String, at now: Date) async throws(LessorError) {
        try Self.require(id, "the tenant id")
        let at = SQLiteTime.milliseconds(now)
        try await write("finish offboarding the tenant", changesOnce: true) { db in
            try db.cachedStatement(sql: Self.finishOffboarding).execute(arguments: [id, at, at])
        }
    }

    // MARK: Leases

    public func insertIntent(_ lease: Lease) async throws(LessorError) {
        try Self.requireIntent(lease)
        let arguments = LeaseRow.arguments(lease)
        try await write("record the lease intent", changesOnce: true) { db in
            try db.cachedStatement(sql: LeaseRow.insert).execute(arguments: arguments)
        }
    }

    public func admitIntent(_ lease: Lease, liveLeaseLimit: Int) async throws(LessorError) -> IntentAdmission {
        try Self.requireIntent(lease)
        let arguments = LeaseRow.arguments(lease)
        let admitted = arguments + [liveLeaseLimit]
        let at = SQLiteTime.milliseconds(lease.issuedAt)
        // Changes at most the counter row (to an exact count, true whether or not the insert
        // after it succeeds) and the intent: it needs no savepoint.
        return try await write("record the lease intent", changesOnce: true) { db in
            try db.cachedStatement(sql: Self.insertAdmittedIntent).execute(arguments: admitted)
            if db.changesCount == 1 { return .recorded }
            guard let tenant = try TenantRow.fetch(db, id: lease.tenantID) else { return .tenantUnknown }
            guard tenant.state == .active else { return .tenantInactive(tenant.state) }
            guard try Self.recount(db, tenantID: lease.tenantID, at: at, below: liveLeaseLimit) else {
                return .leaseLimitReached
            }
            try db.cachedStatement(sql: LeaseRow.insert).execute(arguments: arguments)
            return .recorded
        }
    }

    public func activate(leaseID: String, sealedRevocationHandle: [UInt8]?, lookupDigest: String?)
        async throws(LessorError) -> Bool
    {
        try Self.require(leaseID, "the lease id")
        if let lookupDigest { try LookupDigest.require(lookupDigest) }
        let handle = sealedRevocationHandle.map { Data($0) }
        return try await write("activate the lease") { db in
            guard
                let tenantID = try String.fetchOne(
                    db.cachedStatement(sql: Self.activate), arguments: [handle, lookupDigest, leaseID])
            else { return false }
            try db.cachedStatement(sql: Self.countActivation).execute(arguments: [tenantID])
            return true
        }
    }

    public func lease(id: String, tenantID: String) async throws(LessorError) -> Lease? {
        try Self.require(id, "the lease id")
        try Self.require(tenantID, "the tenant id")
        return try lookUp("read the lease") { db in
            try LeaseRow.fetch(db, sql: Self.selectLease, arguments: [id, tenantID]).first
        }
    }

    public func lease(lookupDigest: String) async throws(LessorError) -> Lease? {
        try LookupDigest.require(lookupDigest)
        return try lookUp("read the lease by its lookup digest") { db in
            try LeaseRow.fetch(db, sql: Self.selectLeaseByLookupDigest, arguments: [lookupDigest]).first
        }
    }

    public func leases(tenantID: String, binding: String?, after: String?, limit: Int) async throws(LessorError)
        -> [Lease]
    {
        try Self.require(tenantID, "the tenant id")
        try Self.require(limit: limit)
        let after = after ?? ""
        return try await read("list the tenant's leases") { db in
            if let binding {
                return try LeaseRow.fetch(
                    db, sql: Self.selectLeasesOfBinding, arguments: [tenantID, binding, after, limit])
            }
            return try LeaseRow.fetch(db, sql: Self.selectLeases, arguments: [tenantID, after, limit])
        }
    }

    public func extend(leaseID: String, tenantID: String, to expiresAt: Date, at now: Date) async throws(LessorError)
        -> Lease?
    {
        try Self.require(leaseID, "the lease id")
        try Self.require(tenantID, "the tenant id")
        let target = SQLiteTime.milliseconds(expiresAt)
        let at = SQLiteTime.milliseconds(now)
        return try await write("extend the lease", changesOnce: true) { db in
            try LeaseRow.fetch(db, sql: Self.extend, arguments: [target, leaseID, tenantID, at, target]).first
        }
    }

    public func markRevoked(leaseIDs: [String], tenantID: String, at now: Date) async throws(LessorError) -> Int {
        try Self.require(tenantID, "the tenant id")
        guard !leaseIDs.isEmpty else { return 0 }
        for id in leaseIDs { try Self.require(id, "a lease id") }
        let at = SQLiteTime.milliseconds(now)
        let ids = String(decoding: AuditCanonicalJSON.encode(.array(leaseIDs.map(JSONValue.string))), as: UTF8.self)
        return try await write("mark the leases revoked", changesOnce: true) { db in
            try db.cachedStatement(sql: Self.markRevoked).execute(arguments: [at, tenantID, ids])
            return db.changesCount
        }
    }

    public func recordRevocationFailure(
        leaseID: String, attempts: Int, nextAttemptAt: Date?, error: String
    ) async throws(LessorError) {
        try Self.require(leaseID, "the lease id")
        guard attempts >= 0 else {
            throw LessorError(.requestInvalid, "revocation attempts cannot be negative; pass the attempts made so far")
        }
        let state: LeaseState = nextAttemptAt == nil ? .irrevocable : .revoking
        let next = nextAttemptAt.map(SQLiteTime.milliseconds)
        try await write("record the failed revocation", changesOnce: true) { db in
            try db.cachedStatement(sql: Self.recordRevocationFailure)
                .execute(arguments: [state.rawValue, attempts, next, error, leaseID])
        }
    }

    public func claimDue(now: Date, pendingBefore: Date, hold: Duration, limit: Int) async throws(LessorError)
        -> [Lease]
    {
        try Self.require(limit: limit)
        let at = SQLiteTime.milliseconds(now)
        let pending = SQLiteTime.milliseconds(pendingBefore)
        let held = at + max(0, SQLiteTime.milliseconds(hold))
        return try await write("claim the leases due for revocation") { db in
            var leases = try LeaseRow.fetch(db, sql: Self.selectDue, arguments: [at, at, at, pending, at, limit])
            let statement = try db.cachedStatement(sql: Self.hold)
            for index in leases.indices {
                try statement.execute(arguments: [held, leases[index].id])
                leases[index].nextAttemptAt = SQLiteTime.date(held)
            }
            return leases
        }
    }

    public func outstandingLeases(tenantID: String, after: String?, limit: Int) async throws(LessorError) -> [Lease] {
        try Self.require(tenantID, "the tenant id")
        try Self.require(limit: limit)
        let after = after ?? ""
        return try await read("list the tenant's outstanding leases") { db in
            try LeaseRow.fetch(db, sql: Self.selectOutstanding, arguments: [tenantID, after, limit])
        }
    }

    public func liveLeaseCount(tenantID: String, at now: Date) async throws(LessorError) -> Int {
        try Self.require(tenantID, "the tenant id")
        let at = SQLiteTime.milliseconds(now)
        return try await read("count the tenant's live leases") { db in
            try Int.fetchOne(db.cachedStatement(sql: Self.countLive), arguments: [tenantID, at]) ?? 0
        }
    }

    /// Counts the tenant's live leases at `at` exactly, stopped at `limit`: below it, the counter
    /// row (`tenant_active_leases`, an upper bound) is set to the count and the answer is true. It
    /// runs on the writer thread, serialized with activations, so the bound never falls below the
    /// live leases.
    private static func recount(_ db: Database, tenantID: String, at: Int64, below limit: Int) throws -> Bool {
        guard limit > 0 else { return false }
        let live = try Int.fetchOne(db.cachedStatement(sql: countLiveUpTo), arguments: [tenantID, at, limit]) ?? 0
        guard live < limit else { return false }
        try db.cachedStatement(sql: resetActiveCount).execute(arguments: [live, tenantID])
        return true
    }

    public func statistics(at now: Date) async throws(LessorError) -> LeaseStatistics {
        let at = SQLiteTime.milliseconds(now)
        return try await read("count the leases") { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: Self.statistics), arguments: [at]) else {
                return LeaseStatistics(live: 0, revocationBacklog: 0, irrevocable: 0)
            }
            return LeaseStatistics(
                live: try row.decode(atIndex: 0), revocationBacklog: try row.decode(atIndex: 1),
                irrevocable: try row.decode(atIndex: 2))
        }
    }

    public func auditAnchor(log: String) async throws(LessorError) -> AuditAnchor? {
        try Self.require(log, "the audit log name")
        return try lookUp("read the audit anchor") { db in
            try Row.fetchOne(db.cachedStatement(sql: Self.selectAuditAnchor), arguments: [log]).map {
                AuditAnchor(sequence: $0[0], hash: $0[1])
            }
        }
    }

    public func recordAuditAnchor(_ anchor: AuditAnchor, log: String, rewinding: Bool, at now: Date)
        async throws(LessorError)
    {
        try Self.require(log, "the audit log name")
        let at = SQLiteTime.milliseconds(now)
        try await write("record the audit anchor", changesOnce: true) { db in
            try db.cachedStatement(sql: rewinding ? Self.replaceAuditAnchor : Self.advanceAuditAnchor).execute(
                arguments: [log, anchor.sequence, anchor.hash, at])
        }
    }

    // MARK: Plumbing

    /// A read of a few rows by key (a lease, a tenant), on the calling thread: handed to GRDB's
    /// reader queues such a read took about 5 ms under load (thread hops on a busy machine),
    /// inline about 0.1 ms (bench/RESULTS.md). A WAL reader never waits for the writer, and the
    /// pool has a reader for every cooperative thread beside the ones `read` uses. An exchange
    /// makes none: its checks run in the intent's write (`admitIntent`).
    private func lookUp<T>(_ action: String, _ body: (Database) throws -> T) throws(LessorError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw SQLiteStoreFailure.storeError(error, while: action)
        }
    }

    /// A read that may scan (listings, counts, statistics), on GRDB's reader queues, in a snapshot
    /// that no write waits for.
    private func read<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T)
        async throws(LessorError) -> T
    {
        do {
            return try await pool.read(body)
        } catch {
            throw SQLiteStoreFailure.storeError(error, while: action)
        }
    }

    /// Queues `body` for the writer thread and returns its result once its batch is committed.
    /// `changesOnce`: `body` needs no savepoint of its own (see `SQLiteWrite`).
    private func write<T: Sendable>(
        _ action: String, changesOnce: Bool = false, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(LessorError) -> T {
        let result: Result<T, LessorError> = await withCheckedContinuation { continuation in
            queue.enqueue(
                SQLiteWrite(
                    action: action, changesOnce: changesOnce,
                    run: { db in
                        let value = try body(db)
                        return { continuation.resume(returning: .success(value)) }
                    },
                    fail: { continuation.resume(returning: .failure($0)) }))
        }
        return try result.get()
    }

    private static func require(_ value: String, _ what: String) throws(LessorError) {
        guard !value.isEmpty else { throw LessorError(.requestInvalid, "\(what) is empty; pass a non-empty id") }
    }

    private static func requireIntent(_ lease: Lease) throws(LessorError) {
        try require(lease.id, "the lease id")
        try require(lease.tenantID, "the tenant id")
        guard lease.state == .pending else {
            throw LessorError(
                .requestInvalid, "a lease intent must be pending, not \(lease.state.rawValue); activate it afterwards")
        }
    }

    private static func require(limit: Int) throws(LessorError) {
        guard limit >= 1 else { throw LessorError(.requestInvalid, "the limit is \(limit); pass at least 1") }
    }

    private static func storedTenant(_ db: Database, _ id: String) throws -> TenantRecord {
        guard let record = try TenantRow.fetch(db, id: id) else { throw SQLiteStoreFailure.rowNotWritten }
        return record
    }
}

import Foundation
import LessorAudit
import LessorBroker
import LessorCore
import LessorPostgres
import LessorSQLite
import LessorTestSupport
import Logging
import Testing

/// A real `lessor server` killed (SIGKILL, by its own debug kill point `LESSOR_FAULT_KILL_AT`) at
/// each durable step of an exchange, for the token engine and the aws engine (moto upstream), on
/// SQLite and on PostgreSQL; then restarted on the same data. After each: no usable lease lacks
/// its grant record, every answered credential has one, every intent is revoked once its grace
/// has passed, and the audit log verifies.
@Suite("Kill points: no usable credential without a durable grant", .serialized)
struct KillPointTests {
    enum Engine: String, CaseIterable, Sendable {
        case token, aws

        var path: String { self == .token ? "token/audiences/app" : "aws/roles/deployer" }
    }

    enum Store: String, CaseIterable, Sendable {
        case sqlite, postgres
    }

    /// Each durable step of an exchange, and the moment an audit batch is synced before its callers
    /// hear so (between that group commit and the next).
    static let killPoints = ExchangeStep.allCases.map(\.rawValue) + ["audit-batch-durable"]

    @Test("the token engine killed at each step, on each store", arguments: killPoints, Store.allCases)
    func tokenEngine(step: String, store: Store) async throws {
        try await Self.killAndRestart(at: step, engine: .token, store: store, moto: nil)
    }

    @Test("the aws engine killed at each step, on each store")
    func awsEngine() async throws {
        try await MotoServer.run { moto in
            let keys = try await moto.prepareBrokerUser()
            for store in Store.allCases {
                for step in Self.killPoints {
                    try await Self.killAndRestart(at: step, engine: .aws, store: store, moto: (moto, keys))
                }
            }
        }
    }

    /// `moto` is the upstream of the aws engine and the broker's keys there.
    static func killAndRestart(
        at step: String, engine: Engine, store: Store, moto: (server: MotoServer, keys: MotoServer.Keys)?
    ) async throws {
        let root = NSTemporaryDirectory() + "lessor-kill-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let database = store == .postgres ? try await ScratchPostgresDatabase.create() : nil
        try await withCleanup {
            try await killAndRestart(at: step, engine: engine, store: store, moto: moto, root: root, database: database)
        } cleanup: {
            await database?.drop()
        }
    }

    static func killAndRestart(
        at step: String, engine: Engine, store: Store, moto: (server: MotoServer, keys: MotoServer.Keys)?,
        root: String, database: ScratchPostgresDatabase?
    ) async throws {
        let issuer = try StaticIssuer()
        let jwks = try issuer.writeJWKS(to: "\(root)/jwks.json")
        var extra = ""
        var policies = try ServerProcess.writePolicies(into: root)
        var grace = "1s"
        if let (moto, keys) = moto {
            let credentialsFile = "\(root)/aws-credentials"
            try "[lessor]\naws_access_key_id = \(keys.accessKeyID)\naws_secret_access_key = \(keys.secretAccessKey)\n"
                .write(toFile: credentialsFile, atomically: true, encoding: .utf8)
            try AWSBrokerEndToEndTests.sessionPolicy.write(
                toFile: "\(root)/deployer-policy.json", atomically: true, encoding: .utf8)
            policies = try AWSBrokerEndToEndTests.writePolicies(into: root)
            extra = AWSBrokerEndToEndTests.engineSection(moto: moto, credentialsFile: credentialsFile)
                .replacingOccurrences(of: "timeout: 10s", with: "timeout: 1s")
            grace = "3s"
        }
        var storeSetting: String?
        if let database {
            let urlFile = "\(root)/postgres-url"
            try database.url.write(toFile: urlFile, atomically: true, encoding: .utf8)
            storeSetting = "{postgres: {url_file: \(urlFile)}}"
        }
        func server() throws -> ServerProcess {
            try ServerProcess(
                name: "broker", root: root, jwksFile: jwks, policies: policies, store: storeSetting, extra: extra,
                pendingGrace: grace)
        }
        let label = "\(engine.rawValue) on \(store.rawValue), killed at \(step)"

        let doomed = try server()
        doomed.environment = ["LESSOR_FAULT_KILL_AT": step]
        try await doomed.start()
        let token = try issuer.workload("acme")
        let answered = CrashSafetyTests.Answered()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    guard
                        let reply = try? await doomed.endpoint.call(
                            "/v1/creds/\(engine.path)", token: token, json: [:]),
                        reply.status == 200, let id = reply.json?["lease_id"]?.stringValue
                    else { return }
                    answered.add(id)
                }
            }
        }
        let signal = await doomed.exited()
        try #require(signal == SIGKILL, "\(label): the broker was not killed at its kill point\n\(doomed.logTail())")

        let restarted = try server()
        try await restarted.start()
        let all = try await withLeases(store, root: root, database: database) { leases in
            // The intents the kill left behind are revoked once their grace has passed.
            let deadline = ContinuousClock.now + .seconds(60)
            var outstanding = try await leases.intents()
            while !outstanding.isEmpty && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
                outstanding = try await leases.intents()
            }
            #expect(outstanding.isEmpty, "\(label): intents left pending after restart: \(outstanding)")
            return try await leases.all()
        }
        await restarted.stop()

        let keys = "\(restarted.dataDirectory)/audit/keys"
        let hasher = try AuditFieldHasher(keyFile: "\(keys)/hash.key")
        let records = try restarted.auditRecords()
        let granted = Set(
            records.filter { $0["event"]?.stringValue == "grant" }.compactMap { $0["lease_id"]?.stringValue })
        for lease in all where lease.state == .active {
            #expect(granted.contains(hasher.hash(lease.id)), "\(label): active lease \(lease.id) has no grant record")
        }
        for id in answered.ids {
            #expect(granted.contains(hasher.hash(id)), "\(label): answered lease \(id) has no grant record")
        }
        if step == ExchangeStep.leaseActivated.rawValue {
            #expect(all.contains { $0.state == .active }, "\(label): the lease activated before the kill is live")
        } else {
            #expect(!all.contains { $0.state == .active }, "\(label): a lease became active after the kill")
        }
        let logDirectory = "\(restarted.dataDirectory)/audit/log"
        let files = try FileManager.default.contentsOfDirectory(atPath: logDirectory).filter { $0.hasSuffix(".jsonl") }
            .sorted().map { "\(logDirectory)/\($0)" }
        let outcome = try AuditLogVerifier.verify(
            files: files, publicKey: try AuditPublicKey(file: "\(keys)/public-key.json"))
        #expect(outcome.finding == nil, "\(label): \(outcome.finding.map(String.init(describing:)) ?? "")")
    }

    /// The store the restarted broker uses, opened beside it to read its leases.
    struct LeaseReader {
        let store: any LeaseStore

        func all() async throws -> [Lease] {
            try await store.leases(tenantID: "acme", binding: nil, after: nil, limit: 1000)
        }

        func intents() async throws -> [String] {
            try await all().filter { $0.state == .pending }.map(\.id)
        }
    }

    /// Runs `body` over the store the restarted broker uses, opened beside it.
    static func withLeases<T: Sendable>(
        _ store: Store, root: String, database: ScratchPostgresDatabase?, _ body: (LeaseReader) async throws -> T
    ) async throws -> T {
        switch store {
        case .sqlite:
            return try await body(LeaseReader(store: try SQLiteLeaseStore.open(path: "\(root)/broker/lessor.sqlite")))
        case .postgres:
            let postgres = PostgresLeaseStore(
                configuration: try PostgresStoreConfiguration(url: try #require(database?.url)),
                logger: Logger(label: "kill-point-test", factory: { _ in SwiftLogNoOpLogHandler() }))
            return try await postgres.withRunning { try await body(LeaseReader(store: $0)) }
        }
    }
}

import Foundation
import LessorAudit
import LessorBroker
import LessorConfig
import LessorCore
import LessorCrypto
import LessorEngines
import LessorPostgres
import LessorSQLite
import Logging

/// Offboarding time for one tenant holding `--leases N` (default 100,000) active token leases, on
/// a real broker: SQLite store (and PostgreSQL when `LESSOR_BENCH_POSTGRES_URL` is set), file
/// audit log with group commit, token engine, a small policy bundle. The leases are written
/// through the store beforehand (not timed); only `Broker.offboard` is timed. Prints CSV:
/// `offboard,<store>,<leases>,<seconds>`.
enum OffboardBenchmark {
    static let issuer = "https://issuer.bench"
    static let tenant = "acme"
    static let postgresURLVariable = "LESSOR_BENCH_POSTGRES_URL"

    static func run() async throws {
        let arguments = CommandLine.arguments
        let leases = arguments.firstIndex(of: "--leases").flatMap { Int(arguments[$0 + 1]) } ?? 100_000
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

        try await withTemporaryDirectory("offboard-sqlite") { directory in
            let store = try SQLiteLeaseStore.open(path: "\(directory)/lessor.sqlite")
            let seconds = try await measure(store: store, leases: leases, directory: directory, logger: logger)
            await store.close()
            print("offboard,sqlite,\(leases),\(format(seconds))")
        }

        guard let url = ProcessInfo.processInfo.environment[postgresURLVariable], !url.isEmpty else { return }
        try await withTemporaryDirectory("offboard-postgres") { directory in
            var configuration = try PostgresStoreConfiguration(url: url)
            configuration.schema = "bench_offboard_\(getpid())"
            let store = PostgresLeaseStore(configuration: configuration, logger: logger)
            let seconds = try await store.withRunning { store in
                try await measure(store: store, leases: leases, directory: directory, logger: logger)
            }
            print("offboard,postgres,\(leases),\(format(seconds))")
        }
    }

    /// Builds the broker over `store`, fills the tenant with `leases` active leases, and returns
    /// the seconds `offboard` takes.
    private static func measure(store: any LeaseStore, leases: Int, directory: String, logger: Logger) async throws
        -> Double
    {
        try FileManager.default.createDirectory(atPath: "\(directory)/policies", withIntermediateDirectories: true)
        try bundle.write(toFile: "\(directory)/policies/bundle.yaml", atomically: true, encoding: .utf8)
        let policies = PolicyBundleStore(try PolicyBundleLoader.load(directory: "\(directory)/policies"))
        let audit = try AuditLog.open(
            AuditLogConfiguration(
                devices: [.file(directory: "\(directory)/audit")],
                signingKey: try AuditSigningKey(seed: SecureRandom.bytes(count: 32)),
                hasher: try AuditFieldHasher(key: SecureRandom.bytes(count: 32))),
            logger: logger)
        let tokenEngine = try TokenEngine(
            issuer: "https://lessor.bench",
            keyring: try TokenSigningKeyring(directory: "\(directory)/token-keys", now: Date()),
            maxTokenLifetime: .seconds(43_200))
        let keyring = TenantKeyring(brokerKey: try SecretBox(key: SecretBox.generateKey()))
        let broker = Broker(
            store: store, audit: audit, policies: policies, engines: [tokenEngine], keyring: keyring, logger: logger)

        _ = try await store.ensureTenant(tenant, wrappedDataKey: keyring.newWrappedDataKey(), at: Date())
        let digest = policies.current.digest
        let setupStart = ContinuousClock.now
        try await fill(store: store, tenants: [tenant], count: leases, policyDigest: digest)
        FileHandle.standardError.write(
            Data("setup: \(leases) leases in \(format(seconds(since: setupStart))) s\n".utf8))

        let start = ContinuousClock.now
        let report = try await broker.offboard(admin(), tenantID: tenant, reason: "offboarding benchmark")
        let elapsed = seconds(since: start)
        await audit.close()
        guard report.leasesRevoked == leases, report.leasesPending == 0 else {
            fatalError("offboarding revoked \(report.leasesRevoked) and left \(report.leasesPending) of \(leases)")
        }
        return elapsed
    }

    /// Writes `count` active token leases, spread round-robin over `tenants`, through the store's
    /// own calls (`insertIntent`, then `activate`), `concurrency` at a time so its writes group-commit.
    static func fill(
        store: any LeaseStore, tenants: [String], count: Int, policyDigest: String, concurrency: Int = 1024
    ) async throws {
        let now = Date()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= concurrency { try await group.next() }
                group.addTask {
                    let tenantID = tenants[index % tenants.count]
                    let lease = Lease(
                        id: "lease_" + SecureRandom.identifier(byteCount: 24), tenantID: tenantID, issuer: issuer,
                        subject: "system:serviceaccount:tenant-\(tenantID):app", binding: "workloads",
                        path: "token/audiences/app", engine: "token", issuedAt: now,
                        expiresAt: now.addingTimeInterval(43_200), maxExpiresAt: now.addingTimeInterval(43_200),
                        renewable: true, state: .pending, policyDigest: policyDigest, requestID: "req-bench-\(index)")
                    try await store.insertIntent(lease)
                    guard try await store.activate(leaseID: lease.id, sealedRevocationHandle: nil, lookupDigest: nil)
                    else {
                        fatalError("lease \(lease.id) did not activate")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// The global admin, bound by the bundle's `admins` binding.
    private static func admin() -> Caller {
        let now = Date()
        let identity = VerifiedIdentity(
            issuer: issuer, subject: "platform-admin", audiences: ["lessor"], expiresAt: now.addingTimeInterval(3600),
            issuedAt: now, notBefore: nil, tokenID: nil, keyID: "k1", algorithm: "RS256", kubernetes: nil,
            claims: ["iss": .string(issuer), "sub": .string("platform-admin"), "aud": .string("lessor")])
        return Caller(identity: identity, requestID: "req-bench-offboard")
    }

    /// Runs `body` with a new directory under the system's temporary directory, then deletes it.
    static func withTemporaryDirectory(_ name: String, _ body: (String) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "lessor-bench-\(name)-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            try await body(directory)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        try FileManager.default.removeItem(atPath: directory)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = (ContinuousClock.now - start).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    static func format(_ seconds: Double) -> String { String(format: "%.3f", seconds) }

    static let bundle = """
        classes:
          - name: basic
            default_ttl: 15m
            max_ttl: 12h
            engines: [token]
            residency: [eu-west-1]
            audit_retention_days: 90
            rate_limit: {requests_per_second: 100, burst: 100}
            max_leases: 1000000
            isolation: pooled
        tenants:
          - {id: acme, class: basic}
        bindings:
          - name: workloads
            issuer: \(issuer)
            audiences: [lessor]
            bound_claims:
              sub: "system:serviceaccount:*"
              kubernetes.io.namespace: tenant-*
            tenant_from: {claim: kubernetes.io.namespace, template: "tenant-{tenant}"}
            policies: [app]
          - name: admins
            issuer: \(issuer)
            audiences: [lessor]
            bound_claims:
              sub: platform-admin
            global_role: admin
            policies: [admin]
        policies:
          - name: app
            rules:
              - path: "token/audiences/{{identity.serviceaccount}}"
                capabilities: [read]
          - name: admin
            scope: global
            rules:
              - path: tenants/*
                capabilities: [read, update, delete, list]

        """
}

import Foundation
import LessorAudit
import LessorCore
import LessorTestSupport
import Testing

/// Two `lessor server` processes on one PostgreSQL database, as two replicas of one deployment
/// behind one issuer URL. They share the broker key (which seals tenants' data keys in the shared
/// store) and the token signing keys through `broker_key_file` and `token_engine.key_directory`,
/// and the audit keys by a copy of the first replica's `audit/keys`, so lease ids hash alike.
@Suite("Two broker replicas on one PostgreSQL", .serialized)
struct TwoReplicaTests {
    @Test("an exchange works through either replica and its lease is listed by the other")
    func exchangeThroughEitherReplica() async throws {
        try await Replicas.run { replicas in
            let token = try replicas.issuer.workload("acme")
            let first = try await replicas.first.endpoint.exchange(token)
            let second = try await replicas.second.endpoint.exchange(token)
            try #require(first.status == 200, "replica 1: \(first.text)")
            try #require(second.status == 200, "replica 2: \(second.text)")
            let firstLease = try #require(first.json?["lease_id"]?.stringValue)
            let secondLease = try #require(second.json?["lease_id"]?.stringValue)

            let listedBySecond = try await replicas.second.endpoint.leases(token)
            let listedByFirst = try await replicas.first.endpoint.leases(token)
            #expect(listedBySecond[firstLease] == "active", "replica 2 lists the lease granted by replica 1")
            #expect(listedByFirst[secondLease] == "active", "replica 1 lists the lease granted by replica 2")

            // Both publish the same keys, and either answers for a token the other issued.
            let firstKeys = try await replicas.first.endpoint.call("/.well-known/jwks.json", token: nil)
            let secondKeys = try await replicas.second.endpoint.call("/.well-known/jwks.json", token: nil)
            #expect(firstKeys.status == 200 && firstKeys.json == secondKeys.json, "the replicas publish one JWKS")
            let issued = try #require(first.json?["data"]?["token"]?.stringValue)
            let introspected = try await replicas.second.endpoint.send(
                "/v1/introspect", token: token, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: Array("token=\(issued)".utf8))
            #expect(introspected.json?["active"] == .bool(true), "replica 2 introspects: \(introspected.text)")
            #expect(introspected.json?["jti"]?.stringValue == firstLease)
        }
    }

    @Test("a tenant offboarded through replica 1 is refused by replica 2's very next exchange")
    func offboardingIsSeenAtOnce() async throws {
        try await Replicas.run { replicas in
            let globex = try replicas.issuer.workload("globex")
            let before = try await replicas.second.endpoint.exchange(globex)
            try #require(before.status == 200, "globex is active before offboarding: \(before.text)")

            let offboard = try await replicas.first.endpoint.send(
                "/v1/tenants/globex/offboard", token: try replicas.issuer.subject("platform-admin"),
                headers: [("X-Lessor-Reason", "contract ended"), ("Content-Type", "application/json")])
            try #require(offboard.status == 200, "offboarding through replica 1: \(offboard.text)")

            let after = try await replicas.second.endpoint.exchange(globex)
            #expect(after.status == 403)
            #expect(after.errorCode == "tenant_inactive", "\(after.text)")
            let other = try await replicas.second.endpoint.exchange(try replicas.issuer.workload("acme"))
            #expect(other.status == 200, "another tenant is unaffected: \(other.text)")
        }
    }

    @Test("expiry is swept by both replicas and every expired lease is revoked exactly once")
    func expiryIsClaimedOnce() async throws {
        try await Replicas.run { replicas in
            let token = try replicas.issuer.workload("acme")
            let endpoints = [replicas.first.endpoint, replicas.second.endpoint]
            let leaseCount = 200
            let granted = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var ids: [String] = []
                        for index in stride(from: worker, to: leaseCount, by: 8) {
                            let reply = try await endpoints[index % 2].exchange(token, ttl: 1)
                            try #require(reply.status == 200, "exchange \(index): \(reply.text)")
                            ids.append(try #require(reply.json?["lease_id"]?.stringValue))
                        }
                        return ids
                    }
                }
                var all: [String] = []
                for try await ids in group { all += ids }
                return all
            }
            try #require(Set(granted).count == leaseCount)

            // Both sweepers run every second; wait, generously, until none of the leases is left.
            let deadline = ContinuousClock.now + .seconds(180)
            var notRevoked = granted
            while !notRevoked.isEmpty && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                let states = try await replicas.first.endpoint.leases(token)
                notRevoked = granted.filter { states[$0] != "revoked" }
            }
            try #require(notRevoked.isEmpty, "\(notRevoked.count) leases were still not revoked after 180 s")

            await replicas.first.stop()
            await replicas.second.stop()
            let hasher = try AuditFieldHasher(keyFile: "\(replicas.first.dataDirectory)/audit/keys/hash.key")
            let logs = try [replicas.first, replicas.second].map { replica in
                try replica.auditRecords().filter { $0["event"]?.stringValue == "revoke" }
                    .compactMap { $0["lease_id"]?.stringValue }
            }
            var revokedBy = [0, 0]
            for id in granted {
                let hashed = hasher.hash(id)
                let counts = logs.map { $0.filter { $0 == hashed }.count }
                #expect(counts.reduce(0, +) == 1, "lease \(id) has \(counts) revoke records (replica 1, replica 2)")
                for replica in 0..<2 { revokedBy[replica] += counts[replica] }
            }
            print(
                "TwoReplicaTests: replica 1 revoked \(revokedBy[0]), replica 2 revoked \(revokedBy[1]) of \(leaseCount) leases"
            )
        }
    }
}

/// Two replicas of one broker: a fresh database, one policy bundle, issuer, broker key file and
/// token key directory, a data directory each; the second gets a copy of the first's
/// `audit/keys` before it starts.
struct Replicas {
    let issuer: StaticIssuer
    let first: ServerProcess
    let second: ServerProcess

    /// Starts both replicas, runs `body`, then always stops them, drops the database and removes
    /// the temporary directory.
    static func run(
        sourceLocation: Testing.SourceLocation = #_sourceLocation, _ body: (Replicas) async throws -> Void
    ) async throws {
        let database = try await ScratchPostgresDatabase.create(sourceLocation: sourceLocation)
        let root = NSTemporaryDirectory() + "lessor-replicas-\(UUID().uuidString)"
        try await withCleanup {
            try await run(database: database, root: root, body)
        } cleanup: {
            await database.drop()
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    private static func run(database: ScratchPostgresDatabase, root: String, _ body: (Replicas) async throws -> Void)
        async throws
    {
        try FileManager.default.createDirectory(
            atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let urlFile = "\(root)/postgres-url"
        guard
            FileManager.default.createFile(
                atPath: urlFile, contents: Data(database.url.utf8), attributes: [.posixPermissions: 0o600])
        else { throw LessorError(.internalFailure, "cannot write \(urlFile)") }
        let issuer = try StaticIssuer()
        let jwks = try issuer.writeJWKS(to: "\(root)/jwks.json")
        let policies = try ServerProcess.writePolicies(into: root)
        let store = "{postgres: {url_file: \(urlFile)}}"
        let shared = """
            broker_key_file: \(root)/shared/broker.key
            token_engine:
              issuer: https://lessor.test
              key_directory: \(root)/shared/token-keys
            """
        try FileManager.default.createDirectory(
            atPath: "\(root)/shared", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let first = try ServerProcess(
            name: "replica-1", root: root, jwksFile: jwks, policies: policies, store: store, extra: shared)
        let second = try ServerProcess(
            name: "replica-2", root: root, jwksFile: jwks, policies: policies, store: store, extra: shared)
        try await withCleanup {
            try await first.start()
            try shareAuditKeys(from: first.dataDirectory, to: second.dataDirectory)
            try await second.start()
            try await body(Replicas(issuer: issuer, first: first, second: second))
        } cleanup: {
            await first.stop()
            await second.stop()
        }
    }

    /// Copies the audit keys, so both replicas write lease ids as the same keyed hashes.
    static func shareAuditKeys(from source: String, to destination: String) throws {
        let files = FileManager.default
        try files.createDirectory(
            atPath: "\(destination)/audit", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try files.copyItem(atPath: "\(source)/audit/keys", toPath: "\(destination)/audit/keys")
    }
}

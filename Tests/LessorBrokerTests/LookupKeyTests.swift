import Foundation
import LessorBroker
import LessorCore
import LessorCrypto
import LessorSQLite
import Testing

@Suite("Lookup keys: a lease is found by the digest of the key its credential carries")
struct LookupKeyTests {
    @Test("An issued access key id finds its lease by digest, and the key is stored and audited nowhere")
    func lookupKeyFindsLease() async throws {
        let engine = AccessKeyEngine()
        let fixture = try BrokerFixture(extraEngines: [engine])
        let result = try await fixture.broker.exchange(
            fixture.workload("acme"), path: "access-keys/roles/deployer", requestedTTL: nil)
        let keyID = try #require(result.data["access_key_id"]?.stringValue)
        let secret = try #require(result.data["secret_access_key"]?.stringValue)

        let digest = Broker.lookupDigest(keyID)
        #expect(digest == Self.hex(Digest.sha256(Array(keyID.utf8))))
        #expect(LookupDigest.isWellFormed(digest))
        let found = try #require(try await fixture.store.lease(lookupDigest: digest))
        #expect(found.id == result.lease.id && found.tenantID == "acme" && found.state == .active)
        #expect(try await fixture.store.lease(id: result.lease.id, tenantID: "acme") == found)
        #expect(try await fixture.store.lease(lookupDigest: Broker.lookupDigest(AccessKeyEngine.makeKeyID())) == nil)

        // The store's files as they are on disk, write-ahead log included, and the audit log.
        _ = try await fixture.auditRecords()
        let files =
            try FileManager.default.contentsOfDirectory(atPath: fixture.directory)
            .filter { $0.hasPrefix("lessor.sqlite") }.map { "\(fixture.directory)/\($0)" }
            + FileManager.default.contentsOfDirectory(atPath: "\(fixture.directory)/audit")
            .map { "\(fixture.directory)/audit/\($0)" }
        #expect(files.contains { $0.hasSuffix(".jsonl") })
        var bytes: [UInt8] = []
        for file in files { bytes += try [UInt8](Data(contentsOf: URL(fileURLWithPath: file))) }
        #expect(Self.contains(bytes, digest), "the digest is stored")
        for text in [keyID, secret] {
            #expect(!Self.contains(bytes, text), "the credential appears in no stored file")
        }
        await fixture.cleanUp()
    }

    @Test("A credential without a lookup key leaves its lease unfindable by digest")
    func noLookupKey() async throws {
        let fixture = try BrokerFixture()
        let result = try await fixture.broker.exchange(
            fixture.workload("acme"), path: "token/audiences/billing", requestedTTL: nil)
        let token = try #require(result.data["token"]?.stringValue)
        #expect(try await fixture.store.lease(lookupDigest: Broker.lookupDigest(token)) == nil)
        #expect(try await fixture.store.lease(lookupDigest: Broker.lookupDigest(result.lease.id)) == nil)
        await fixture.cleanUp()
    }

    @Test(
        "A lookup key another lease already has fails the exchange: the credential is revoked and the refusal audited")
    func duplicateLookupKeyIsRefused() async throws {
        let engine = AccessKeyEngine(fixedKeyID: "AKIAREUSEDREUSED0001")
        let fixture = try BrokerFixture(extraEngines: [engine])
        let first = try await fixture.broker.exchange(
            fixture.workload("acme"), path: "access-keys/roles/deployer", requestedTTL: nil)

        let refusal = await #expect(throws: LessorError.self) {
            try await fixture.broker.exchange(
                fixture.workload("globex"), path: "access-keys/roles/deployer", requestedTTL: nil)
        }
        #expect(refusal?.code == .storeUnavailable)
        #expect(refusal?.message.contains("AKIAREUSEDREUSED0001") == false)
        let found = try #require(
            try await fixture.store.lease(lookupDigest: Broker.lookupDigest("AKIAREUSEDREUSED0001")))
        #expect(found.id == first.lease.id && found.state == .active)

        let revoked = engine.revoked
        #expect(revoked.count == 1 && revoked.first != first.lease.id, "only the second credential was revoked")
        let second = try #require(try await fixture.store.lease(id: revoked[0], tenantID: "globex"))
        #expect(second.state == .revoked)
        let records = try await fixture.auditRecords()
        // The grant is durable before the activation that refused the key, so the refusal withdraws it.
        let globex = records.filter { $0["tenant_id"]?.stringValue == "globex" }
        #expect(globex.map { $0["event"]?.stringValue } == ["grant", "deny"])
        #expect(globex.last?["details"]?["grant"]?.stringValue == "withdrawn")
        await fixture.cleanUp()
    }

    private static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    private static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}

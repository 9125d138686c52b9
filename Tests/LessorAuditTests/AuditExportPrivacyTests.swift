import Foundation
import LessorCore
import Testing

@testable import LessorAudit

/// A tenant's export among 50 tenants: it proves the tenant's own chain heads against the signed
/// checkpoints through Merkle inclusion proofs, and shows nothing of the other 49.
@Suite("Tenant export: privacy of the other tenants and tampered proofs")
struct AuditExportPrivacyTests {
    static let tenants = (0..<50).map { "tenant-\($0 < 10 ? "0" : "")\($0)" }
    static let exported = "tenant-07"

    /// A log of 50 tenants, with the export of `exported`.
    private func exportAmongFifty() async throws -> (AuditFixture, String) {
        let fixture = try AuditFixture()
        try await fixture.writeLog(count: 600, tenants: Self.tenants, checkpointEvery: 7)
        let directory = "\(fixture.root)/export"
        _ = try AuditTenantExport.write(
            files: fixture.segments(), tenantID: Self.exported, hasher: fixture.hasher,
            publicKey: fixture.publicKey, to: directory)
        return (fixture, directory)
    }

    private func verify(_ fixture: AuditFixture, _ directory: String) throws -> AuditExportVerifier.Outcome {
        try AuditExportVerifier.verify(directory: directory, publicKey: fixture.publicKey, hasher: fixture.hasher)
    }

    private func checkpoints(_ directory: String) throws -> [[String: JSONValue]] {
        try AuditFixture.lines("\(directory)/checkpoints.jsonl").map {
            try #require(try JSONParser.parse(Array($0.utf8)).objectValue)
        }
    }

    @Test("no other tenant's id, label, head or record count appears, and every sibling is new at each checkpoint")
    func exportShowsNoOtherTenant() async throws {
        let (fixture, directory) = try await exportAmongFifty()
        defer { fixture.cleanUp() }
        let outcome = try verify(fixture, directory)
        #expect(outcome.finding == nil, "\(String(describing: outcome.finding))")
        #expect(outcome.summary.records == 12)

        var text = ""
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            text += try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)
        }
        var foreignHashes: Set<String> = []
        for segment in try fixture.segments() {
            for line in try AuditFixture.lines(segment) {
                guard case .success(let (record, _)) = AuditLine.open(Array(line.utf8)[...]) else { continue }
                if let tenant = record.tenantID, tenant != Self.exported, let hash = record.hash {
                    foreignHashes.insert(hash)
                }
            }
        }
        #expect(foreignHashes.count == 588)
        for other in Self.tenants where other != Self.exported {
            #expect(!text.contains(other), "\(other) is named")
            #expect(!text.contains(fixture.hasher.tenantLabel(other)), "\(other)'s label appears")
        }
        // The global chain links each record to the one before it, whoever's it is: a `prev_hash` is
        // the only place another record's hash may stand, opaque and tied to no tenant.
        let unlinked = text.replacingOccurrences(
            of: #""prev_hash":"[0-9a-f]{64}""#, with: "", options: .regularExpression)
        for hash in foreignHashes {
            #expect(!unlinked.contains(hash), "another tenant's record hash \(hash) appears")
        }
        #expect(!text.contains("tenant_heads") && !text.contains("heads_seed"))

        let proofs = try checkpoints(directory)
        #expect(proofs.count >= 12)
        var seen: Set<String> = []
        for proof in proofs {
            #expect(
                Set(proof.keys) == [
                    "seq", "prev_hash", "time", "key_id", "signature", "tenant_head", "salt", "slot", "siblings",
                ])
            let siblings = try #require(proof["siblings"]?.arrayValue).compactMap(\.stringValue)
            #expect(siblings.count == 6, "a tree of 64 slots, the narrowest, whatever the number of tenants")
            for sibling in siblings {
                #expect(seen.insert(sibling).inserted, "sibling \(sibling) repeats across checkpoints")
            }
        }
    }

    @Test("every tampered proof fails verify-export")
    func everyTamperedProofFails() async throws {
        let (fixture, directory) = try await exportAmongFifty()
        defer { fixture.cleanUp() }
        let path = "\(directory)/checkpoints.jsonl"
        let pristine = try AuditFixture.lines(path)
        let proofs = try checkpoints(directory)

        func flip(_ text: String) -> String {
            let last = text.last == "0" ? "1" : "0"
            return String(text.dropLast()) + last
        }
        var edits: [(String, (inout [String: JSONValue]) -> Void)] = [
            ("salt", { $0["salt"] = .string(flip($0["salt"]?.stringValue ?? "")) }),
            ("slot", { $0["slot"] = .number(($0["slot"]?.numberValue ?? 0) + 1) }),
            ("slot out of range", { $0["slot"] = .number(64) }),
            (
                "head sequence",
                { Self.editHead(&$0, "seq", .number(($0["tenant_head"]?["seq"]?.numberValue ?? 0) + 1)) }
            ),
            ("head hash", { Self.editHead(&$0, "hash", .string(flip($0["tenant_head"]?["hash"]?.stringValue ?? ""))) }),
            ("signature", { $0["signature"] = .string(String(($0["signature"]?.stringValue ?? "").reversed())) }),
            ("time", { $0["time"] = .string("2020-01-01T00:00:00.000000Z") }),
            ("prev_hash", { $0["prev_hash"] = .string(flip($0["prev_hash"]?.stringValue ?? "")) }),
            ("a sibling dropped", { $0["siblings"] = .array(Array(($0["siblings"]?.arrayValue ?? []).dropLast())) }),
            (
                "a sibling added",
                {
                    $0["siblings"] = .array(
                        ($0["siblings"]?.arrayValue ?? []) + [.string(String(repeating: "0", count: 64))])
                }
            ),
            ("siblings swapped", { $0["siblings"] = .array(($0["siblings"]?.arrayValue ?? []).reversed()) }),
        ]
        for level in 0..<6 {
            edits.append(
                (
                    "sibling \(level)",
                    { proof in
                        var siblings = proof["siblings"]?.arrayValue ?? []
                        siblings[level] = .string(flip(siblings[level].stringValue ?? ""))
                        proof["siblings"] = .array(siblings)
                    }
                ))
        }
        for index in [0, proofs.count / 2, proofs.count - 1] {
            for (name, edit) in edits {
                var proof = proofs[index]
                edit(&proof)
                var lines = pristine
                lines[index] = String(decoding: AuditCanonicalJSON.encode(.object(proof)), as: UTF8.self)
                try AuditFixture.writeLines(lines, to: path)
                let finding = try verify(fixture, directory).finding
                #expect(finding != nil, "checkpoint \(index): \(name) was accepted")
            }
        }
        try AuditFixture.writeLines(pristine, to: path)
        #expect(try verify(fixture, directory).finding == nil)
    }

    private static func editHead(_ proof: inout [String: JSONValue], _ key: String, _ value: JSONValue) {
        var head = proof["tenant_head"]?.objectValue ?? [:]
        head[key] = value
        proof["tenant_head"] = .object(head)
    }

    @Test("a tree root comes back from each tenant's proof, and from no other tenant's head")
    func proofsLeadToTheRoot() {
        var heads: [String: AuditRecord.TenantHead] = [:]
        for index in 0..<100 {
            heads["label-\(index)"] = .init(sequence: index + 1, hash: String(repeating: "\(index % 10)", count: 64))
        }
        let tree = AuditHeadsTree(heads: heads, seed: String(repeating: "5", count: 64))
        for (label, head) in heads {
            guard let proof = tree.proof(for: label) else {
                Issue.record("no proof for \(label)")
                continue
            }
            #expect(proof.siblings.count == 7, "100 tenants take a tree of 128 slots")
            #expect(AuditHeadsTree.root(label: label, head: head, proof: proof) == tree.root)
            #expect(AuditHeadsTree.root(label: "label-x", head: head, proof: proof) != tree.root)
        }
        #expect(tree.proof(for: "label-x") == nil)
        let reseeded = AuditHeadsTree(heads: heads, seed: String(repeating: "6", count: 64))
        #expect(reseeded.root != tree.root)
    }
}

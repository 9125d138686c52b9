import Foundation
public import LessorCore

/// Checks a tenant export (see `AuditTenantExport`) with the auditor's public key: every record
/// intact and of this tenant, the tenant's chain unbroken from its first record (or from a
/// checkpoint that vouches for where it starts), every checkpoint signed, and at each one the
/// tenant head it signs equal to the last exported record before it — so nothing up to the last
/// checkpoint was left out. With the hash key, the tenant label is recomputed too; without it, a
/// tenant with no records at all cannot be told from a wrong label.
public enum AuditExportVerifier {
    public struct Summary: Sendable, Hashable {
        public var tenantID = ""
        public var records = 0
        public var checkpoints = 0
        /// The tenant sequence the export starts at (1 unless retention removed older records).
        public var firstTenantSequence: Int?
        public var lastCheckpointSequence: Int?
        public var lastCheckpointTime: String?
        public var labelChecked = false
    }

    public struct Outcome: Sendable {
        public let summary: Summary
        public let finding: AuditFinding?
    }

    private enum ProofCheck {
        case success(Proof)
        case failure(AuditFinding)
    }

    private struct Proof {
        let sequence: Int
        let time: String
        let head: AuditRecord.TenantHead
    }

    public static func verify(
        directory: String, publicKey: AuditPublicKey, hasher: AuditFieldHasher?
    ) throws(LessorError) -> Outcome {
        guard let data = FileManager.default.contents(atPath: "\(directory)/manifest.json"),
            let manifest = try? JSONParser.parse(Array(data)).objectValue,
            let tenantID = manifest["tenant_id"]?.stringValue, let label = manifest["tenant_label"]?.stringValue
        else { throw LessorError(.auditInvalid, "\(directory)/manifest.json is missing or unreadable") }
        var summary = Summary()
        summary.tenantID = tenantID
        func done(_ finding: AuditFinding?) -> Outcome { Outcome(summary: summary, finding: finding) }

        if let hasher {
            guard hasher.tenantLabel(tenantID) == label else {
                return done(
                    AuditFinding(
                        .modified, sequence: nil, "the manifest's tenant label is not the label of \(tenantID)"))
            }
            summary.labelChecked = true
        }

        var proofs: [Proof] = []
        var checkpointReader = try AuditLineReader(path: "\(directory)/checkpoints.jsonl")
        while let (line, _) = try checkpointReader.next() {
            switch checkProof(line, label: label, key: publicKey) {
            case .failure(let finding): return done(finding)
            case .success(let proof):
                if let last = proofs.last, proof.sequence <= last.sequence {
                    return done(
                        AuditFinding(.reordered, sequence: proof.sequence, "checkpoints are out of order"))
                }
                proofs.append(proof)
            }
        }
        guard checkpointReader.remainder.bytes.isEmpty else {
            return done(AuditFinding(.truncated, sequence: nil, "checkpoints.jsonl ends inside a line"))
        }
        summary.checkpoints = proofs.count

        var nextProof = 0
        var head: AuditRecord.TenantHead?
        var lastSequence = 0
        var lastVouchedHead: AuditRecord.TenantHead?
        var anchored = false

        func settle(before sequence: Int) -> AuditFinding? {
            while nextProof < proofs.count, proofs[nextProof].sequence < sequence {
                let proof = proofs[nextProof]
                if anchored || head != nil {
                    guard proof.head == head else {
                        let detail =
                            "the checkpoint vouches for tenant sequence \(proof.head.sequence) but the export "
                            + "has \(head?.sequence ?? 0) before it: records were removed or altered"
                        return AuditFinding(.deleted, sequence: proof.sequence, detail)
                    }
                }
                lastVouchedHead = proof.head
                summary.lastCheckpointSequence = proof.sequence
                summary.lastCheckpointTime = proof.time
                nextProof += 1
            }
            return nil
        }

        var reader = try AuditLineReader(path: "\(directory)/records.jsonl")
        while let (line, _) = try reader.next() {
            guard case .success(let (record, _)) = AuditLine.open(line) else {
                return done(
                    AuditFinding(.modified, sequence: head.map { _ in lastSequence + 1 }, "a record was altered"))
            }
            guard record.tenantID == tenantID else {
                return done(AuditFinding(.foreignRecord, sequence: record.sequence, "a record of another scope"))
            }
            guard record.sequence > lastSequence else {
                return done(
                    AuditFinding(
                        .reordered, sequence: record.sequence, "sequence \(record.sequence) after \(lastSequence)"))
            }
            if let finding = settle(before: record.sequence) { return done(finding) }
            let tenantSequence = record.tenantSequence ?? 0
            let previous = record.tenantPrevHash ?? ""
            if let current = head {
                if tenantSequence > current.sequence + 1 {
                    return done(
                        AuditFinding(
                            .deleted, sequence: record.sequence,
                            "tenant sequence \(current.sequence + 1)–\(tenantSequence - 1) missing before it"))
                }
                guard tenantSequence == current.sequence + 1, previous == current.hash else {
                    return done(
                        AuditFinding(
                            .inserted, sequence: record.sequence,
                            "tenant sequence \(tenantSequence) does not continue the tenant's chain"))
                }
            } else if tenantSequence == 1, previous == AuditRecord.zeroHash {
                anchored = true
            } else if let vouched = lastVouchedHead, vouched.sequence == tenantSequence - 1, vouched.hash == previous {
                anchored = true
            } else {
                return done(
                    AuditFinding(
                        .deleted, sequence: record.sequence,
                        "the export starts at tenant sequence \(tenantSequence) and no checkpoint before it vouches "
                            + "for where it starts"))
            }
            summary.firstTenantSequence = summary.firstTenantSequence ?? tenantSequence
            head = AuditRecord.TenantHead(sequence: tenantSequence, hash: record.hash ?? "")
            lastSequence = record.sequence
            summary.records += 1
        }
        guard reader.remainder.bytes.isEmpty else {
            return done(AuditFinding(.truncated, sequence: lastSequence + 1, "records.jsonl ends inside a record"))
        }
        anchored = true
        if let finding = settle(before: Int.max) { return done(finding) }
        guard !proofs.isEmpty else {
            return done(AuditFinding(.unvouched, sequence: nil, "the export holds no checkpoint"))
        }
        if lastSequence > proofs[proofs.count - 1].sequence {
            return done(
                AuditFinding(
                    .unvouched, sequence: lastSequence,
                    "records after the last checkpoint (sequence \(proofs[proofs.count - 1].sequence)) cannot be "
                        + "vouched for"))
        }
        return done(nil)
    }

    private static func checkProof(
        _ line: ArraySlice<UInt8>, label: String, key: AuditPublicKey
    ) -> ProofCheck {
        guard let object = try? JSONParser.parse(Array(line)).objectValue,
            let sequenceValue = object["seq"]?.numberValue, let prevHash = object["prev_hash"]?.stringValue,
            let time = object["time"]?.stringValue
        else { return .failure(AuditFinding(.modified, sequence: nil, "a checkpoint line is not readable")) }
        let sequence = Int(sequenceValue)
        guard let own = object["tenant_head"]?.objectValue, let headSequence = own["seq"]?.numberValue,
            let hash = own["hash"]?.stringValue, let salt = object["salt"]?.stringValue,
            let slot = object["slot"]?.numberValue, slot == slot.rounded(), slot >= 0, slot < 1e12,
            case .array(let entries)? = object["siblings"]
        else {
            return .failure(
                AuditFinding(.modified, sequence: sequence, "the checkpoint's tenant proof is not readable"))
        }
        let siblings = entries.compactMap(\.stringValue)
        let head = AuditRecord.TenantHead(sequence: Int(headSequence), hash: hash)
        guard siblings.count == entries.count,
            let root = AuditHeadsTree.root(
                label: label, head: head, proof: AuditHeadsTree.Proof(salt: salt, slot: Int(slot), siblings: siblings))
        else {
            return .failure(AuditFinding(.modified, sequence: sequence, "the checkpoint's tenant proof is malformed"))
        }
        guard
            AuditCheckpoint.isValid(
                sequence: sequence, prevHash: prevHash, time: time, keyID: object["key_id"]?.stringValue,
                headsRoot: root, signature: object["signature"]?.stringValue, key: key)
        else {
            return .failure(
                AuditFinding(
                    .checkpointMismatch, sequence: sequence,
                    "the tenant head and its proof do not lead to what the checkpoint signs with key \(key.keyID)"))
        }
        return .success(Proof(sequence: sequence, time: time, head: head))
    }
}

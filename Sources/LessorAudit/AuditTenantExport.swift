import Foundation
public import LessorCore

/// Writes one tenant's share of a log to a directory an auditor can check without seeing any
/// other tenant:
/// - `records.jsonl`: the tenant's records, byte for byte as logged;
/// - `checkpoints.jsonl`: per checkpoint, what its signature covers, this tenant's own head in
///   clear and its inclusion proof in the checkpoint's heads tree (see `AuditHeadsTree`): no other
///   tenant's id, label, head or record count;
/// - `manifest.json`: tenant id and label, counts and ranges;
/// - `public-key.json`: the checkpoint key, for reference (verify with the copy you keep).
///
/// Checkpoints kept: the last one before the tenant's first exported record (it anchors the
/// chain when retention removed older records), every one that follows a record of the tenant,
/// and the last one; each only if it holds a head of the tenant.
public enum AuditTenantExport {
    public struct Summary: Sendable, Hashable {
        public var records = 0
        public var checkpoints = 0
    }

    public static func write(
        files: [String], tenantID: String, hasher: AuditFieldHasher, publicKey: AuditPublicKey, to directory: String
    ) throws(LessorError) -> Summary {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LessorError(.configInvalid, "cannot create \(directory)")
        }
        let recordsFile = try AuditFile(path: "\(directory)/records.jsonl", mode: .createNew)
        let checkpointsFile = try AuditFile(path: "\(directory)/checkpoints.jsonl", mode: .createNew)
        let label = hasher.tenantLabel(tenantID)
        var summary = Summary()
        var output: [UInt8] = []
        var heldCheckpoint: AuditRecord?
        var recordsSinceCheckpoint = 0
        var firstSequence: Int?
        var lastSequence: Int?

        func emit(_ checkpoint: AuditRecord) throws(LessorError) {
            guard let proof = proof(checkpoint, label: label) else { return }
            var line = AuditCanonicalJSON.encode(proof)
            line.append(UInt8(ascii: "\n"))
            try checkpointsFile.write(line)
            summary.checkpoints += 1
        }

        // Only checkpoints and the tenant's own records are opened (parsed and hash-checked): a
        // line holding neither member's bytes is another tenant's or the log's, and is passed over.
        let tenantMember = Array(#""tenant_id":"#.utf8) + AuditCanonicalJSON.encode(.string(tenantID))
        let checkpointMember = Array(#""event":"checkpoint""#.utf8)
        for path in files {
            var reader = try AuditLineReader(path: path)
            while let (line, _) = try reader.next() {
                guard Self.contains(line, checkpointMember) || Self.contains(line, tenantMember) else { continue }
                guard case .success(let (record, _)) = AuditLine.open(line) else {
                    throw LessorError(.auditInvalid, "\(path) holds a damaged record; run `lessor audit verify` first")
                }
                if record.isCheckpoint {
                    if summary.records == 0 || recordsSinceCheckpoint == 0 {
                        heldCheckpoint = record
                    } else {
                        try emit(record)
                        heldCheckpoint = nil
                    }
                    recordsSinceCheckpoint = 0
                } else if record.tenantID == tenantID {
                    if summary.records == 0, let anchor = heldCheckpoint {
                        try emit(anchor)
                        heldCheckpoint = nil
                    }
                    output.append(contentsOf: line)
                    output.append(UInt8(ascii: "\n"))
                    if output.count >= 1 << 20 {
                        try recordsFile.write(output)
                        output.removeAll(keepingCapacity: true)
                    }
                    summary.records += 1
                    recordsSinceCheckpoint += 1
                    firstSequence = firstSequence ?? record.sequence
                    lastSequence = record.sequence
                }
            }
        }
        if let last = heldCheckpoint { try emit(last) }
        try recordsFile.write(output)
        try recordsFile.sync()
        try checkpointsFile.sync()
        let manifest: JSONValue = .object([
            "tenant_id": .string(tenantID), "tenant_label": .string(label),
            "records": .number(Double(summary.records)), "checkpoints": .number(Double(summary.checkpoints)),
            "first_seq": firstSequence.map { .number(Double($0)) } ?? .null,
            "last_seq": lastSequence.map { .number(Double($0)) } ?? .null,
            "key_id": .string(publicKey.keyID),
        ])
        try AuditKeyFile.createText(
            "\(directory)/manifest.json", String(decoding: AuditCanonicalJSON.encode(manifest), as: UTF8.self) + "\n")
        try AuditKeyFile.createText("\(directory)/public-key.json", publicKey.fileText)
        return summary
    }

    /// Whether `member`'s bytes stand anywhere in `line` (a scan for its first byte, then a compare).
    static func contains(_ line: ArraySlice<UInt8>, _ member: [UInt8]) -> Bool {
        guard let first = member.first, line.count >= member.count else { return false }
        let last = line.endIndex - member.count
        var start = line.startIndex
        while start <= last, let found = line[start...last].firstIndex(of: first) {
            if line[found..<(found + member.count)].elementsEqual(member) { return true }
            start = found + 1
        }
        return false
    }

    /// A checkpoint as a tenant export shows it: what its signature covers, with the tenant's own
    /// head and its inclusion proof in place of the heads root; nil when the checkpoint holds no
    /// head of the tenant (one written before its first record).
    static func proof(_ checkpoint: AuditRecord, label: String) -> JSONValue? {
        guard let heads = checkpoint.tenantHeads, let own = heads[label], let seed = checkpoint.headsSeed,
            let proof = AuditHeadsTree(heads: heads, seed: seed).proof(for: label)
        else { return nil }
        return .object([
            "seq": .number(Double(checkpoint.sequence)), "prev_hash": .string(checkpoint.prevHash),
            "time": .string(checkpoint.time), "key_id": .string(checkpoint.keyID ?? ""),
            "signature": .string(checkpoint.signature ?? ""),
            "tenant_head": .object(["seq": .number(Double(own.sequence)), "hash": .string(own.hash)]),
            "salt": .string(proof.salt), "slot": .number(Double(proof.slot)),
            "siblings": .array(proof.siblings.map { .string($0) }),
        ])
    }
}

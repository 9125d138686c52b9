public import LessorCore

/// Checks a log (its segments in order) against the auditor's public key, streaming: memory
/// holds one record, the next one, and one head per tenant. It reports the first defect.
///
/// Every record must be canonical and match its hash; sequences must run on by one and each
/// `prev_hash` must be the hash before it; each tenant's records must chain by `tenant_seq` and
/// `tenant_prev_hash`; every checkpoint must be signed by the key and list exactly the tenant
/// heads of the records before it. The log must start at sequence 1 or at a checkpoint (the
/// first segment retention kept). Records after the last checkpoint are intact as far as the
/// chain shows but vouched for by no signature (anyone can append a well-formed record): a live
/// log always has some, so they are counted in the summary (`unvouchedRecords`), not reported as
/// a defect. With the log's anchor (kept in the lease store, see `AuditAnchor`), a log that ends
/// before it or holds another record at its sequence is reported as `rolledBack`.
public struct AuditLogVerifier {
    public struct Summary: Sendable, Hashable {
        public var records = 0
        public var checkpoints = 0
        public var firstSequence: Int?
        public var lastSequence: Int?
        public var lastCheckpoint: AuditRecord?
        /// Records after the last checkpoint, which the next checkpoint will vouch for.
        public var unvouchedRecords = 0
        /// True when an anchor was given and the log reaches it with the same record.
        public var anchorChecked = false
    }

    public struct Outcome: Sendable {
        public let summary: Summary
        public let finding: AuditFinding?
    }

    private struct Item {
        let record: AuditRecord
        let file: String
    }

    private let key: AuditPublicKey
    private let anchor: AuditAnchor?
    private var summary = Summary()
    private var lastHash: String?
    private var nextSequence: Int?
    private var heads: [String: AuditRecord.TenantHead] = [:]
    /// Tenant heads a starting checkpoint vouched for before any of their records was read, by hash.
    private var anchors: [String: AuditRecord.TenantHead] = [:]

    public init(publicKey: AuditPublicKey, anchor: AuditAnchor? = nil) {
        key = publicKey
        self.anchor = anchor
    }

    public static func verify(
        files: [String], publicKey: AuditPublicKey, anchor: AuditAnchor? = nil
    ) throws(LessorError) -> Outcome {
        var verifier = AuditLogVerifier(publicKey: publicKey, anchor: anchor)
        return try verifier.run(files)
    }

    private mutating func run(_ files: [String]) throws(LessorError) -> Outcome {
        guard !files.isEmpty else { throw LessorError(.auditInvalid, "no audit files to verify") }
        var pending: Item?
        for (fileIndex, path) in files.enumerated() {
            var reader = try AuditLineReader(path: path)
            var lineNumber = 0
            while let (line, _) = try reader.next() {
                lineNumber += 1
                switch AuditLine.open(line) {
                case .failure(let defect):
                    let sequence = (pending?.record.sequence).map { $0 + 1 } ?? nextSequence
                    let what: String
                    switch defect {
                    case .malformed(let reason): what = "\(path) line \(lineNumber) is not a record (\(reason))"
                    case .notCanonical: what = "\(path) line \(lineNumber) was edited (not in canonical form)"
                    case .hashMismatch: what = "\(path) line \(lineNumber): its content does not match its hash"
                    }
                    return outcome(AuditFinding(.modified, sequence: sequence, what))
                case .success(let (record, _)):
                    let item = Item(record: record, file: path)
                    if let current = pending, let finding = step(current, next: item) {
                        return outcome(finding)
                    }
                    pending = item
                }
            }
            if !reader.remainder.bytes.isEmpty {
                let sequence = (pending?.record.sequence).map { $0 + 1 } ?? nextSequence
                let last = fileIndex == files.count - 1
                return outcome(
                    AuditFinding(
                        .truncated, sequence: sequence,
                        "\(path) ends inside a record (\(reader.remainder.bytes.count) bytes after the last complete line)"
                            + (last ? "" : "; later files follow it")))
            }
        }
        if let current = pending, let finding = step(current, next: nil) { return outcome(finding) }
        guard let last = summary.lastSequence else {
            throw LessorError(.auditInvalid, "the audit files hold no records")
        }
        let vouched = summary.lastCheckpoint?.sequence ?? 0
        summary.unvouchedRecords = max(0, last - max(vouched, (summary.firstSequence ?? 1) - 1))
        // An anchor older than what retention kept is passed: the log runs on beyond it.
        if let anchor, anchor.sequence < (summary.firstSequence ?? 1), last >= anchor.sequence {
            summary.anchorChecked = true
        }
        if let anchor, !summary.anchorChecked {
            let found = last < anchor.sequence ? "ends at sequence \(last)" : "holds another record at that sequence"
            return outcome(
                AuditFinding(
                    .rolledBack, sequence: min(last + 1, anchor.sequence),
                    "the log \(found), but its anchor says it reached sequence \(anchor.sequence) (hash "
                        + "\(anchor.hash)): it was cut back or replaced"))
        }
        return outcome(nil)
    }

    private func outcome(_ finding: AuditFinding?) -> Outcome { Outcome(summary: summary, finding: finding) }

    /// Checks `item` in context; `next` is the record after it, used to tell a swap from a gap.
    private mutating func step(_ item: Item, next: Item?) -> AuditFinding? {
        let record = item.record
        guard let expected = nextSequence, let previousHash = lastHash else {
            if let finding = start(record) { return finding }
            return accept(record)
        }
        if record.sequence > expected {
            if let next, next.record.sequence == expected {
                if record.prevHash == next.record.hash {
                    return AuditFinding(
                        .reordered, sequence: expected,
                        "sequence \(record.sequence) appears before \(expected) in \(item.file)")
                }
                return AuditFinding(
                    .inserted, sequence: record.sequence,
                    "a record numbered \(record.sequence) stands before sequence \(expected) in \(item.file)")
            }
            let range = record.sequence - 1 > expected ? "\(expected)–\(record.sequence - 1)" : "\(expected)"
            return AuditFinding(.deleted, sequence: expected, "sequence \(range) missing before \(record.sequence)")
        }
        if record.sequence < expected {
            return AuditFinding(
                .inserted, sequence: record.sequence,
                "a second record numbered \(record.sequence) follows sequence \(expected - 1) in \(item.file)")
        }
        guard record.prevHash == previousHash else {
            return AuditFinding(
                .inserted, sequence: record.sequence,
                "prev_hash does not link to sequence \(expected - 1): a record was inserted or replaced before it")
        }
        return accept(record)
    }

    private mutating func start(_ record: AuditRecord) -> AuditFinding? {
        if record.sequence == 1 {
            guard record.prevHash == AuditRecord.zeroHash else {
                return AuditFinding(.inserted, sequence: 1, "the first record does not start a chain")
            }
            return nil
        }
        guard record.isCheckpoint else {
            return AuditFinding(
                .deleted, sequence: record.sequence - 1,
                "the log starts at sequence \(record.sequence), which is neither the first record nor a checkpoint: "
                    + "earlier records are missing")
        }
        guard AuditCheckpoint.isValid(record, key: key) else {
            return AuditFinding(
                .badCheckpointSignature, sequence: record.sequence,
                "the starting checkpoint does not verify with key \(key.keyID)")
        }
        for head in (record.tenantHeads ?? [:]).values { anchors[head.hash] = head }
        summary.lastCheckpoint = record
        return nil
    }

    private mutating func accept(_ record: AuditRecord) -> AuditFinding? {
        if record.isCheckpoint {
            guard record.keyID == key.keyID else {
                return AuditFinding(
                    .badCheckpointSignature, sequence: record.sequence,
                    "signed by key \(record.keyID ?? "?"), not by \(key.keyID)")
            }
            guard AuditCheckpoint.isValid(record, key: key) else {
                return AuditFinding(
                    .badCheckpointSignature, sequence: record.sequence, "the signature does not verify")
            }
            if summary.records > 0 || nextSequence != nil {
                let expected = Set(heads.values).union(anchors.values)
                guard Set((record.tenantHeads ?? [:]).values) == expected else {
                    return AuditFinding(
                        .checkpointMismatch, sequence: record.sequence,
                        "the tenant heads it signs differ from the records before it")
                }
            }
            summary.checkpoints += 1
            summary.lastCheckpoint = record
        } else if let tenantID = record.tenantID {
            let head = heads[tenantID]
            let tenantSequence = record.tenantSequence ?? 0
            let tenantPrevHash = record.tenantPrevHash ?? ""
            if let head {
                guard tenantSequence == head.sequence + 1, tenantPrevHash == head.hash else {
                    return tenantBreak(record, tenantID)
                }
            } else if let anchor = anchors[tenantPrevHash], anchor.sequence == tenantSequence - 1 {
                anchors[tenantPrevHash] = nil
            } else if tenantSequence != 1 || tenantPrevHash != AuditRecord.zeroHash {
                return tenantBreak(record, tenantID)
            }
            heads[tenantID] = AuditRecord.TenantHead(sequence: tenantSequence, hash: record.hash ?? "")
        }
        if let anchor, record.sequence == anchor.sequence, record.hash == anchor.hash { summary.anchorChecked = true }
        summary.records += 1
        if summary.firstSequence == nil { summary.firstSequence = record.sequence }
        summary.lastSequence = record.sequence
        nextSequence = record.sequence + 1
        lastHash = record.hash
        return nil
    }

    private func tenantBreak(_ record: AuditRecord, _ tenantID: String) -> AuditFinding {
        AuditFinding(
            .inserted, sequence: record.sequence,
            "tenant \(tenantID)'s chain breaks at its sequence \(record.tenantSequence ?? 0): a record of this "
                + "tenant was removed or forged")
    }
}

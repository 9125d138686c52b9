import Foundation
import LessorCore

/// The state that links records: the next sequence, the last hash, and every tenant's head
/// (keyed by tenant label). `begin`/`commit`/`rollback` bracket one batch so a batch that no
/// device recorded leaves no trace.
struct AuditChain {
    private(set) var nextSequence: Int
    private(set) var lastHash: String
    private(set) var heads: [String: AuditRecord.TenantHead]
    private(set) var recordsSinceCheckpoint: Int
    private(set) var lastTime: String
    private let hasher: AuditFieldHasher
    private var labels: [String: String] = [:]
    private var undo: Undo?
    /// The last date formatted and its text: a batch stamps all its records with one date.
    private var formatted: (date: Date, time: String)?

    private struct Undo {
        let nextSequence: Int
        let lastHash: String
        let recordsSinceCheckpoint: Int
        let lastTime: String
        var heads: [String: AuditRecord.TenantHead?] = [:]
    }

    /// An empty log.
    init(hasher: AuditFieldHasher) {
        self.hasher = hasher
        nextSequence = 1
        lastHash = AuditRecord.zeroHash
        heads = [:]
        recordsSinceCheckpoint = 0
        lastTime = ""
    }

    /// The state right after `checkpoint`, which must carry its hash and tenant heads.
    init(resumingAfter checkpoint: AuditRecord, hasher: AuditFieldHasher) {
        self.hasher = hasher
        nextSequence = checkpoint.sequence + 1
        lastHash = checkpoint.hash ?? AuditRecord.zeroHash
        heads = checkpoint.tenantHeads ?? [:]
        recordsSinceCheckpoint = 0
        lastTime = checkpoint.time
    }

    var isEmpty: Bool { nextSequence == 1 }

    mutating func label(for tenantID: String) -> String {
        if let label = labels[tenantID] { return label }
        let label = hasher.tenantLabel(tenantID)
        labels[tenantID] = label
        return label
    }

    mutating func begin() {
        undo = Undo(
            nextSequence: nextSequence, lastHash: lastHash, recordsSinceCheckpoint: recordsSinceCheckpoint,
            lastTime: lastTime)
    }

    mutating func commit() { undo = nil }

    mutating func rollback() {
        guard let undo else { return }
        nextSequence = undo.nextSequence
        lastHash = undo.lastHash
        recordsSinceCheckpoint = undo.recordsSinceCheckpoint
        lastTime = undo.lastTime
        for (label, head) in undo.heads { heads[label] = head }
        self.undo = nil
    }

    /// Record time never goes backwards, so text order stays time order even if the clock steps back.
    private mutating func monotonic(_ date: Date) -> String {
        let time: String
        if let formatted, formatted.date == date {
            time = formatted.time
        } else {
            time = AuditTimestamp.format(date)
            formatted = (date, time)
        }
        if time.utf8.lexicographicallyPrecedes(lastTime.utf8) { return lastTime }
        lastTime = time
        return time
    }

    private mutating func setHead(_ head: AuditRecord.TenantHead, for label: String) {
        if undo != nil, undo?.heads.keys.contains(label) == false { undo?.heads[label] = heads[label] }
        heads[label] = head
    }

    /// Builds, seals and links the record for `entry`; appends its line to `lines`.
    mutating func append(_ entry: AuditEntry, at date: Date, to lines: inout [UInt8]) -> AuditReceipt {
        var record = AuditRecord(
            sequence: nextSequence, time: monotonic(date), event: entry.event, scope: entry.scope, prevHash: lastHash)
        record.requestID = entry.requestID
        record.subject = entry.subject
        record.binding = entry.binding
        record.path = entry.path
        record.leaseID = entry.leaseID.map(hasher.hash)
        record.tokenID = entry.tokenID.map(hasher.hash)
        record.ttlSeconds = entry.ttlSeconds
        record.decision = entry.decision
        record.reason = entry.reason
        record.policyDigest = entry.policyDigest
        record.policyCommit = entry.policyCommit
        record.details = entry.details
        var tenantLabel: String?
        if let tenantID = entry.scope.tenantID {
            let label = label(for: tenantID)
            let head = heads[label]
            record.tenantSequence = (head?.sequence ?? 0) + 1
            record.tenantPrevHash = head?.hash ?? AuditRecord.zeroHash
            tenantLabel = label
        }
        AuditRecordEncoder.seal(&record, into: &lines)
        let hash = record.hash!
        if let tenantLabel, let tenantSequence = record.tenantSequence {
            setHead(AuditRecord.TenantHead(sequence: tenantSequence, hash: hash), for: tenantLabel)
        }
        nextSequence += 1
        lastHash = hash
        recordsSinceCheckpoint += 1
        return AuditReceipt(sequence: record.sequence, hash: hash)
    }

    /// Builds and signs a checkpoint over everything before it; appends its line to `lines`.
    mutating func appendCheckpoint(at date: Date, key: AuditSigningKey, to lines: inout [UInt8]) -> AuditReceipt {
        var record = AuditRecord(
            sequence: nextSequence, time: monotonic(date), event: .checkpoint, scope: .global(AuditRecord.logScope),
            prevHash: lastHash)
        AuditCheckpoint.sign(&record, heads: heads, key: key)
        AuditRecordEncoder.seal(&record, into: &lines)
        nextSequence += 1
        lastHash = record.hash!
        recordsSinceCheckpoint = 0
        return AuditReceipt(sequence: record.sequence, hash: record.hash!)
    }

    /// Advances over a record read back from a device, checking that it continues the chain.
    /// Returns nil when it does, or what is wrong.
    mutating func absorb(_ record: AuditRecord, key: AuditPublicKey) -> String? {
        guard record.sequence == nextSequence else {
            return "sequence \(record.sequence) where \(nextSequence) was expected"
        }
        guard record.prevHash == lastHash else { return "sequence \(record.sequence) does not link to the one before" }
        guard let hash = record.hash else { return "sequence \(record.sequence) has no hash" }
        if record.isCheckpoint {
            guard AuditCheckpoint.isValid(record, key: key) else {
                return "checkpoint \(record.sequence) is not signed by key \(key.keyID)"
            }
            guard record.tenantHeads == heads else {
                return "checkpoint \(record.sequence) lists other tenant heads than its records"
            }
            recordsSinceCheckpoint = 0
        } else {
            if let tenantID = record.tenantID {
                let label = label(for: tenantID)
                let head = heads[label]
                guard record.tenantSequence == (head?.sequence ?? 0) + 1,
                    record.tenantPrevHash == (head?.hash ?? AuditRecord.zeroHash)
                else { return "sequence \(record.sequence) breaks the chain of its tenant" }
                heads[label] = AuditRecord.TenantHead(sequence: record.tenantSequence!, hash: hash)
            }
            recordsSinceCheckpoint += 1
        }
        nextSequence += 1
        lastHash = hash
        if lastTime.utf8.lexicographicallyPrecedes(record.time.utf8) { lastTime = record.time }
        return nil
    }
}

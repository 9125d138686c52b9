public import Foundation
public import LessorCore

/// How long audit records must be kept, per tenant (the caller resolves each tenant's class to
/// its retention) and for global records. Segments mix tenants and form one chain, so retention
/// removes whole segments, oldest first, once every record in one is past its own retention.
/// What remains still verifies: each segment starts with a checkpoint.
public struct AuditRetention: Sendable {
    public var tenants: [String: Duration]
    /// For tenants not in `tenants` (a tenant offboarded and gone from configuration).
    public var defaultTenant: Duration
    /// For records with a global scope, checkpoints included.
    public var global: Duration

    public init(tenants: [String: Duration], defaultTenant: Duration, global: Duration) {
        self.tenants = tenants
        self.defaultTenant = defaultTenant
        self.global = global
    }

    func retention(for scope: AuditScope) -> TimeInterval {
        let duration: Duration
        switch scope {
        case .tenant(let id): duration = tenants[id] ?? defaultTenant
        case .global: duration = global
        }
        return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Deletes the oldest segments of `directory` whose every record is past its retention at
    /// `now`. The newest segment (being written) is never deleted, nor any segment after one that
    /// must stay. Returns the deleted paths.
    @discardableResult
    public func prune(directory: String, now: Date) throws(LessorError) -> [String] {
        let segments = try AuditSegments.list(directory)
        var deleted: [String] = []
        for path in segments.dropLast() {
            var reader = try AuditLineReader(path: path)
            var expired = true
            while expired, let (line, _) = try reader.next() {
                guard case .success(let (record, _)) = AuditLine.open(line),
                    let time = AuditTimestamp.parse(record.time)
                else {
                    throw LessorError(.auditInvalid, "\(path) holds a damaged record; run `lessor audit verify`")
                }
                expired = time.addingTimeInterval(retention(for: record.scope)) <= now
            }
            guard expired else { break }
            guard unlink(path) == 0 else { throw AuditFile.failure("cannot remove", path) }
            deleted.append(path)
        }
        if !deleted.isEmpty { try AuditFile.syncDirectory(directory) }
        return deleted
    }
}

import Foundation
import LessorCore
import Logging

/// Appends records to segment files in one directory. Each segment starts with a checkpoint, so
/// any suffix of the segments (what retention leaves) verifies on its own, and the chain runs on
/// across segments. A segment is rotated when it reaches `maxSegmentBytes` or `maxSegmentAge`.
final class FileAuditDevice: AuditDevice {
    let name: String
    let directory: String
    private let maxSegmentBytes: Int
    private let maxSegmentAge: TimeInterval
    private var file: AuditFile?
    /// Bytes of the current segment known to be durable.
    private var durableSize = 0
    private var segmentStarted: Date?
    private var newSegmentRequired = false

    private init(directory: String, maxSegmentBytes: Int, maxSegmentAge: Duration) {
        self.name = "file:\(directory)"
        self.directory = directory
        self.maxSegmentBytes = maxSegmentBytes
        self.maxSegmentAge =
            Double(maxSegmentAge.components.seconds) + Double(maxSegmentAge.components.attoseconds) / 1e18
    }

    /// Opens the directory (creating it) and recovers its last segment: a torn or unreadable tail
    /// left by a crash is cut, and the chain state after the last sound record is returned (nil
    /// for an empty directory). A defect followed by sound records is corruption, not a crash,
    /// and stops start-up.
    static func open(
        directory: String, maxSegmentBytes: Int, maxSegmentAge: Duration, hasher: AuditFieldHasher,
        publicKey: AuditPublicKey, logger: Logger
    ) throws(LessorError) -> (FileAuditDevice, AuditChain?) {
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw LessorError(.auditUnavailable, "cannot create the audit directory \(directory)")
        }
        let device = FileAuditDevice(
            directory: directory, maxSegmentBytes: maxSegmentBytes, maxSegmentAge: maxSegmentAge)
        var segments = try AuditSegments.list(directory)
        while let last = segments.last {
            if let chain = try device.recover(last, hasher: hasher, publicKey: publicKey, logger: logger) {
                return (device, chain)
            }
            logger.warning("removing an empty audit segment", metadata: ["segment": "\(last)"])
            guard unlink(last) == 0 else { throw AuditFile.failure("cannot remove", last) }
            try AuditFile.syncDirectory(directory)
            segments.removeLast()
        }
        return (device, nil)
    }

    /// Scans `path`, cuts a torn tail, and opens it for appending. Nil when nothing sound is left.
    private func recover(
        _ path: String, hasher: AuditFieldHasher, publicKey: AuditPublicKey, logger: Logger
    ) throws(LessorError) -> AuditChain? {
        var reader = try AuditLineReader(path: path)
        var chain: AuditChain?
        var soundEnd = 0
        var defect: (offset: Int, reason: String)?
        while let (line, offset) = try reader.next() {
            let opened = AuditLine.open(line)
            if let found = defect {
                if case .success = opened {
                    throw LessorError(
                        .auditInvalid,
                        "\(path) is damaged at byte \(found.offset) (\(found.reason)) but sound records follow: "
                            + "not a crash; restore the segment from a copy or move it aside")
                }
                continue
            }
            switch opened {
            case .failure(let problem):
                defect = (offset, "\(problem)")
            case .success(let (record, _)):
                if var current = chain {
                    if let problem = current.absorb(record, key: publicKey) {
                        defect = (offset, problem)
                        continue
                    }
                    chain = current
                } else {
                    let expected = path.hasSuffix(AuditSegments.name(firstSequence: record.sequence))
                    guard record.isCheckpoint, expected, AuditCheckpoint.isValid(record, key: publicKey) else {
                        throw LessorError(
                            .auditInvalid,
                            "\(path) does not start with a checkpoint signed by key \(publicKey.keyID) "
                                + "for its first sequence")
                    }
                    chain = AuditChain(resumingAfter: record, hasher: hasher)
                    segmentStarted = AuditTimestamp.parse(record.time)
                }
                soundEnd = offset + line.count + 1
            }
        }
        let file = try AuditFile(path: path, mode: .append)
        let size = try file.size()
        if soundEnd < size {
            logger.warning(
                "cutting a torn audit tail left by a crash",
                metadata: [
                    "segment": "\(path)", "offset": "\(soundEnd)", "bytes": "\(size - soundEnd)",
                    "reason": "\(defect?.reason ?? "incomplete last line")",
                ])
            try file.truncate(to: soundEnd)
            try file.syncData()
        }
        guard chain != nil else { return nil }
        self.file = file
        durableSize = soundEnd
        return chain
    }

    func write(_ bytes: [UInt8]) throws(LessorError) {
        guard let file else { throw LessorError(.auditUnavailable, "\(name) has no open segment") }
        try file.write(bytes)
        try file.syncData()
        durableSize += bytes.count
    }

    func discardUnacknowledged() -> Bool {
        guard let file else { return true }
        do {
            try file.truncate(to: durableSize)
            try file.syncData()
            return true
        } catch {
            return false
        }
    }

    func rotationDue(at date: Date) -> Bool {
        guard file != nil, let segmentStarted, !newSegmentRequired else { return true }
        return durableSize >= maxSegmentBytes || date.timeIntervalSince(segmentStarted) >= maxSegmentAge
    }

    func requireNewSegment() { newSegmentRequired = true }

    func rotate(firstSequence: Int, at date: Date) throws(LessorError) {
        let path = "\(directory)/\(AuditSegments.name(firstSequence: firstSequence))"
        let next = try AuditFile(path: path, mode: .append)
        let size = try next.size()
        if size > 0 {
            try next.truncate(to: 0)
            try next.syncData()
        }
        try AuditFile.syncDirectory(directory)
        file = next
        durableSize = 0
        segmentStarted = date
        newSegmentRequired = false
    }
}

import Foundation
public import LessorCore

/// The raw durable-write rate of a disk: small appends, each followed by `fdatasync`, the way
/// the file device writes. Benchmarks quote the audit rate beside it.
public enum AuditDiskProbe {
    /// Syncs per second over about `seconds`, appending `recordBytes` each time to a temporary
    /// file in `directory` (removed afterwards).
    public static func fdatasyncRate(
        directory: String, seconds: Double, recordBytes: Int = 600
    ) throws(LessorError) -> Double {
        let path = "\(directory)/fdatasync-probe-\(getpid())"
        let file = try AuditFile(path: path, mode: .createNew)
        defer { unlink(path) }
        let record = [UInt8](repeating: UInt8(ascii: "x"), count: recordBytes - 1) + [UInt8(ascii: "\n")]
        let clock = ContinuousClock()
        let start = clock.now
        let limit = Duration.milliseconds(Int(seconds * 1000))
        var count = 0
        while clock.now - start < limit {
            try file.write(record)
            try file.syncData()
            count += 1
        }
        let elapsed = (clock.now - start).components
        return Double(count) / (Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
    }
}

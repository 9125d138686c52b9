import Foundation
import LessorCore

/// Where the audit log writes its lines. Devices are confined to the log's writer thread.
protocol AuditDevice: AnyObject {
    var name: String { get }
    /// Appends `bytes` (whole lines) and returns once they are durable.
    func write(_ bytes: [UInt8]) throws(LessorError)
    /// After a failed `write`: drops whatever part of it reached the device, so the device ends
    /// at its last durable line again. False when that is not possible.
    func discardUnacknowledged() -> Bool
    /// True when the device wants the next batch to start a new segment.
    func rotationDue(at date: Date) -> Bool
    /// Makes the next batch start a new segment (the device missed records and must not
    /// continue its current one).
    func requireNewSegment()
    /// Starts a new segment whose first record (a checkpoint) has `firstSequence`.
    func rotate(firstSequence: Int, at date: Date) throws(LessorError)
}

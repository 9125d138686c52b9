import Foundation
import LessorCore

/// Writes records to standard output for container log collectors. A write that returns counts
/// as recorded; durability after that is the collector's. It keeps no state across restarts, so
/// it never decides where the chain continues.
final class StdoutAuditDevice: AuditDevice {
    let name: String
    private let file: AuditFile

    init(descriptor: Int32 = 1, name: String = "stdout") {
        self.name = name
        file = AuditFile(borrowing: descriptor, name: name)
    }

    func write(_ bytes: [UInt8]) throws(LessorError) { try file.write(bytes) }
    func discardUnacknowledged() -> Bool { false }
    func rotationDue(at date: Date) -> Bool { false }
    func requireNewSegment() {}
    func rotate(firstSequence: Int, at date: Date) throws(LessorError) {}
}

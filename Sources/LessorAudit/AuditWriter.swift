import Foundation
import LessorCore
import Logging

/// The writer thread's side of the audit log: the chain and the devices, touched by that thread
/// only (hence `@unchecked Sendable`: it is handed to the thread once and never shared).
final class AuditWriter: @unchecked Sendable {
    private struct DeviceSlot {
        let device: any AuditDevice
        var state: AuditHealth.Device.State = .recording
        /// A failed device that was put back at its last durable record can retry.
        var canRetry = true
        var lastError: String?
        var failedAt: Date?
    }

    private let shared: AuditWriterQueue
    private var slots: [DeviceSlot]
    private var chain: AuditChain
    private let key: AuditSigningKey
    private let everyRecords: Int
    private let interval: TimeInterval
    private let clock: WallClock
    private let logger: Logger
    private let onBatch: (@Sendable (AuditBatch) -> Void)?
    private var lastCheckpoint: AuditReceipt?
    private var lastCheckpointAt = Date()
    private var batch: [UInt8] = []
    /// Requests in the last batch, and how long writing it took: the next batch waits a fraction
    /// of that time for as many requests (see `AuditWriterQueue.take`).
    private var lastBatchRequests = 0
    private var lastWriteSeconds: TimeInterval = 0
    private static let maxGatherDelay: TimeInterval = 0.002

    init(
        shared: AuditWriterQueue, devices: [any AuditDevice], chain: AuditChain,
        configuration: AuditLogConfiguration, logger: Logger
    ) {
        self.shared = shared
        self.slots = devices.map { DeviceSlot(device: $0) }
        self.chain = chain
        self.key = configuration.signingKey
        self.everyRecords = configuration.checkpointEveryRecords
        let interval = configuration.checkpointInterval.components
        self.interval = Double(interval.seconds) + Double(interval.attoseconds) / 1e18
        self.clock = configuration.clock
        self.onBatch = configuration.onBatch
        self.logger = logger
    }

    func run() {
        while true {
            let deadline = chain.recordsSinceCheckpoint > 0 ? lastCheckpointAt.addingTimeInterval(interval) : nil
            let (requests, closing, closingCheckpoint) = shared.take(
                deadline: deadline, gather: lastBatchRequests,
                gatherDelay: min(lastWriteSeconds / 2, Self.maxGatherDelay))
            lastBatchRequests = requests.count
            let due = deadline.map { Date() >= $0 } ?? false
            process(requests, checkpointNow: (closing && closingCheckpoint) || due)
            if closing {
                shared.finishClose()
                return
            }
        }
    }

    private func process(_ requests: [AuditWriterQueue.Request], checkpointNow: Bool) {
        let now = clock.now
        var receipts: [AuditReceipt] = []
        var checkpointRequested = checkpointNow
        var newCheckpoint: AuditReceipt?
        var asked = false
        var appends = false
        for request in requests {
            if case .checkpoint = request { asked = true } else { appends = true }
        }
        // Nothing to record: no segment is started and no checkpoint written, so a broker that
        // stops before its first request (a refused start-up) leaves the log as it found it. A
        // caller's `checkpoint()` on a new log writes its first checkpoint.
        let checkpointDue = (checkpointNow || asked) && chain.recordsSinceCheckpoint > 0
        guard appends || checkpointDue || (asked && chain.isEmpty) else {
            reply(requests, receipts: [], checkpoint: lastCheckpoint)
            return
        }
        let firstSequence = chain.nextSequence
        let rotating = slots.indices.filter { slots[$0].canRetry && slots[$0].device.rotationDue(at: now) }
        batch.removeAll(keepingCapacity: true)
        chain.begin()
        if chain.isEmpty || !rotating.isEmpty {
            newCheckpoint = chain.appendCheckpoint(at: now, key: key, to: &batch)
        }
        for request in requests {
            switch request {
            case .append(let entry, _):
                receipts.append(chain.append(entry, at: now, to: &batch))
            case .appendAll(let entries, _):
                for entry in entries { receipts.append(chain.append(entry, at: now, to: &batch)) }
            case .checkpoint:
                checkpointRequested = true
            }
        }
        if chain.recordsSinceCheckpoint > 0, checkpointRequested || chain.recordsSinceCheckpoint >= everyRecords {
            newCheckpoint = chain.appendCheckpoint(at: now, key: key, to: &batch)
        }
        guard !batch.isEmpty else {
            reply(requests, receipts: receipts, checkpoint: lastCheckpoint)
            return
        }

        var recorded = 0
        var failures: [String] = []
        let writeStarted = ContinuousClock.now
        for index in slots.indices where slots[index].canRetry {
            do {
                if rotating.contains(index) {
                    try slots[index].device.rotate(firstSequence: firstSequence, at: now)
                }
                try slots[index].device.write(batch)
                recorded += 1
                if slots[index].state == .failed {
                    logger.notice("audit device recovered", metadata: ["device": "\(slots[index].device.name)"])
                }
                slots[index].state = .recording
            } catch {
                failures.append("\(slots[index].device.name): \(error.message)")
                fail(index, error.message, at: now)
            }
        }

        if recorded == 0 {
            chain.rollback()
            for index in slots.indices where slots[index].canRetry {
                slots[index].canRetry = slots[index].device.discardUnacknowledged()
            }
            logger.critical(
                "no audit device could record; requests are refused until one can",
                metadata: ["errors": "\(failures.joined(separator: "; "))"])
            publishHealth()
            let error = LessorError(
                .auditUnavailable,
                "no audit device could record the event durably"
                    + (failures.isEmpty ? "" : ": " + failures.joined(separator: "; ")))
            for request in requests { request.fail(error) }
            return
        }
        chain.commit()
        let writeDuration = ContinuousClock.now - writeStarted
        let writeTime = writeDuration.components
        lastWriteSeconds = Double(writeTime.seconds) + Double(writeTime.attoseconds) / 1e18
        onBatch?(
            AuditBatch(
                entries: receipts.count, writeDuration: writeDuration,
                end: AuditAnchor(sequence: chain.nextSequence - 1, hash: chain.lastHash)))
        for index in slots.indices where slots[index].state == .failed && slots[index].canRetry {
            slots[index].canRetry = false
            slots[index].lastError = (slots[index].lastError ?? "") + "; missed sequence \(firstSequence) onwards"
        }
        if let newCheckpoint {
            lastCheckpoint = newCheckpoint
            lastCheckpointAt = Date()
        }
        publishHealth()
        reply(requests, receipts: receipts, checkpoint: lastCheckpoint)
    }

    private func fail(_ index: Int, _ message: String, at date: Date) {
        if slots[index].state == .recording {
            logger.error(
                "audit device failed", metadata: ["device": "\(slots[index].device.name)", "error": "\(message)"])
        }
        slots[index].state = .failed
        slots[index].lastError = message
        slots[index].failedAt = date
    }

    /// `receipts` holds the appended records' receipts in request order.
    private func reply(_ requests: [AuditWriterQueue.Request], receipts: [AuditReceipt], checkpoint: AuditReceipt?) {
        var next = 0
        for request in requests {
            switch request {
            case .append(_, let reply):
                reply.resume(returning: .success(receipts[next]))
                next += 1
            case .appendAll(let entries, let reply):
                reply.resume(returning: .success(Array(receipts[next..<(next + entries.count)])))
                next += entries.count
            case .checkpoint(let reply):
                if let checkpoint {
                    reply.resume(returning: .success(checkpoint))
                } else {
                    reply.resume(returning: .failure(LessorError(.auditUnavailable, "no checkpoint written yet")))
                }
            }
        }
    }

    private func publishHealth() {
        shared.publish(
            AuditHealth(
                devices: slots.map {
                    .init(name: $0.device.name, state: $0.state, lastError: $0.lastError, failedAt: $0.failedAt)
                },
                lastSequence: chain.nextSequence - 1, lastCheckpointSequence: lastCheckpoint?.sequence,
                isClosed: false))
    }
}

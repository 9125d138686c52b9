import Foundation
public import LessorCore
public import Logging
public import ServiceLifecycle

/// The audit log every grant, denial, renewal, revocation and admin action goes through.
///
/// Appends are batched (group commit): callers enqueue, one writer thread takes everything
/// queued, seals and links it, writes it to every device in one `write` and one `fdatasync`
/// each, and only then resumes the callers. While one batch syncs, the next one gathers, so
/// under load a single sync covers many records. The writer is a thread of its own rather than
/// a task, because `fdatasync` blocks and must not hold one of the few cooperative threads.
///
/// Fail closed: an append succeeds only if at least one device made its batch durable. When none
/// can, the batch is undone (sequence and hashes are reused by the next batch), every caller in
/// it gets `auditUnavailable`, and `health()` shows which device failed and why.
public final class AuditLog: AuditSink, Service, Sendable {
    private let shared: AuditWriterQueue
    /// The last record found when the log was opened; nil for a log with no records yet.
    public let openedAt: AuditAnchor?

    private init(shared: AuditWriterQueue, openedAt: AuditAnchor?) {
        self.shared = shared
        self.openedAt = openedAt
    }

    /// Opens every device, recovers the chain from the file devices' last segments, and starts the writer.
    public static func open(_ configuration: AuditLogConfiguration, logger: Logger) throws(LessorError) -> AuditLog {
        guard !configuration.devices.isEmpty else {
            throw LessorError(.configInvalid, "the audit log needs at least one device")
        }
        guard configuration.checkpointEveryRecords >= 1 else {
            throw LessorError(.configInvalid, "checkpoint_every_records must be at least 1")
        }
        var devices: [any AuditDevice] = []
        var recovered: [(device: FileAuditDevice, chain: AuditChain?)] = []
        for device in configuration.devices {
            switch device {
            case .file(let directory, let maxSegmentBytes, let maxSegmentAge):
                let opened = try FileAuditDevice.open(
                    directory: directory, maxSegmentBytes: maxSegmentBytes, maxSegmentAge: maxSegmentAge,
                    hasher: configuration.hasher, publicKey: configuration.signingKey.publicKey, logger: logger)
                recovered.append((opened.0, opened.1))
                devices.append(opened.0)
            case .stream(let descriptor, let name):
                devices.append(StdoutAuditDevice(descriptor: descriptor, name: name))
            }
        }
        let leader = recovered.compactMap(\.chain).max { $0.nextSequence < $1.nextSequence }
        for (device, chain) in recovered {
            guard let leader else { break }
            if let chain, chain.nextSequence == leader.nextSequence {
                guard chain.lastHash == leader.lastHash else {
                    throw LessorError(
                        .auditInvalid,
                        "audit devices disagree at sequence \(chain.nextSequence - 1): \(device.name) holds another "
                            + "record than the others; find out which copy was altered before starting")
                }
                continue
            }
            logger.warning(
                "audit device is behind the others; it continues in a new segment and lacks the records in between",
                metadata: [
                    "device": "\(device.name)", "device_next": "\((chain?.nextSequence).map(String.init) ?? "none")",
                    "log_next": "\(leader.nextSequence)",
                ])
            device.requireNewSegment()
        }
        let chain = leader ?? AuditChain(hasher: configuration.hasher)
        let shared = AuditWriterQueue(deviceNames: devices.map(\.name), lastSequence: chain.nextSequence - 1)
        let writer = AuditWriter(
            shared: shared, devices: devices, chain: chain, configuration: configuration, logger: logger)
        let thread = Thread { writer.run() }
        thread.name = "lessor-audit-writer"
        thread.start()
        return AuditLog(
            shared: shared,
            openedAt: chain.isEmpty ? nil : AuditAnchor(sequence: chain.nextSequence - 1, hash: chain.lastHash))
    }

    /// A log dropped without `close()` stops its writer without a closing checkpoint.
    deinit { shared.requestClose(waiter: nil, checkpoint: false) }

    /// Records `entry` and returns once it is durable on at least one device.
    public func append(_ entry: AuditEntry) async throws(LessorError) -> AuditReceipt {
        guard entry.event != .checkpoint else {
            throw LessorError(.requestInvalid, "checkpoints are written by the audit log itself")
        }
        let result = await withCheckedContinuation { continuation in
            shared.enqueue(.append(entry, continuation))
        }
        return try result.get()
    }

    /// Records `entries` in one batch and returns once all of them are durable on at least one
    /// device; when none can record them, none is recorded.
    public func append(contentsOf entries: [AuditEntry]) async throws(LessorError) -> [AuditReceipt] {
        guard !entries.isEmpty else { return [] }
        guard !entries.contains(where: { $0.event == .checkpoint }) else {
            throw LessorError(.requestInvalid, "checkpoints are written by the audit log itself")
        }
        let result = await withCheckedContinuation { continuation in
            shared.enqueue(.appendAll(entries, continuation))
        }
        return try result.get()
    }

    /// Writes a checkpoint now (unless nothing was written since the last one) and returns it.
    public func checkpoint() async throws(LessorError) -> AuditReceipt {
        let result = await withCheckedContinuation { continuation in
            shared.enqueue(.checkpoint(continuation))
        }
        return try result.get()
    }

    public func health() -> AuditHealth { shared.health() }

    /// Writes a final checkpoint, stops the writer and refuses further appends.
    public func close() async {
        await withCheckedContinuation { continuation in shared.requestClose(waiter: continuation, checkpoint: true) }
    }

    /// Runs until graceful shutdown, then closes the log so it ends on a checkpoint.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}

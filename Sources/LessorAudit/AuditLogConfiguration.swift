public import LessorCore

/// How an audit log is set up: its devices, keys and checkpoint cadence.
public struct AuditLogConfiguration: Sendable {
    public enum Device: Sendable, Hashable {
        /// Segment files in `directory`, rotated at `maxSegmentBytes` or `maxSegmentAge`.
        case file(directory: String, maxSegmentBytes: Int, maxSegmentAge: Duration)
        /// Lines written to an inherited descriptor (1 for standard output), for log collectors.
        case stream(descriptor: Int32, name: String)

        public static let stdout = Device.stream(descriptor: 1, name: "stdout")

        /// A file device with 64 MiB, one-day segments.
        public static func file(directory: String) -> Device {
            .file(directory: directory, maxSegmentBytes: 64 << 20, maxSegmentAge: .seconds(86_400))
        }
    }

    public var devices: [Device]
    public var signingKey: AuditSigningKey
    public var hasher: AuditFieldHasher
    /// A checkpoint is written once this many records follow the last one…
    public var checkpointEveryRecords: Int
    /// …or once records have waited this long for one.
    public var checkpointInterval: Duration
    public var clock: WallClock
    /// Called on the writer thread after each durable batch (for metrics); it must return quickly.
    public var onBatch: (@Sendable (AuditBatch) -> Void)?

    public init(
        devices: [Device], signingKey: AuditSigningKey, hasher: AuditFieldHasher, checkpointEveryRecords: Int = 1000,
        checkpointInterval: Duration = .seconds(60), clock: WallClock = .system,
        onBatch: (@Sendable (AuditBatch) -> Void)? = nil
    ) {
        self.devices = devices
        self.signingKey = signingKey
        self.hasher = hasher
        self.checkpointEveryRecords = checkpointEveryRecords
        self.checkpointInterval = checkpointInterval
        self.clock = clock
        self.onBatch = onBatch
    }
}

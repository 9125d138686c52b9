public import Foundation

/// What readiness shows about the audit log. The broker is ready only while `isRecording`.
public struct AuditHealth: Sendable, Hashable {
    public struct Device: Sendable, Hashable {
        public enum State: String, Sendable, Hashable {
            case recording
            /// Failed; `lastError` says why. It is retried with the next batch only when it
            /// could be put back at its last durable record; otherwise it stays out until restart.
            case failed
        }
        public let name: String
        public let state: State
        public let lastError: String?
        public let failedAt: Date?
    }

    public let devices: [Device]
    /// The sequence of the last durable record, 0 when none.
    public let lastSequence: Int
    public let lastCheckpointSequence: Int?
    public let isClosed: Bool

    /// True when at least one device records and the log is open.
    public var isRecording: Bool { !isClosed && devices.contains { $0.state == .recording } }
}

import Foundation
import LessorCore
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    import Darwin
    private let systemWrite = Darwin.write
#endif

/// A swift-log handler that writes one JSON object per line: `time` (RFC 3339, UTC, milliseconds),
/// `level`, `label`, `message`, and the merged metadata flattened into top-level members (nested
/// dictionaries as `outer.inner`). Lines are encoded by `AuditCanonicalJSON`, so every string is
/// escaped as JSON requires and one record never spans two lines. A metadata key that names one
/// of the four fixed members is written as `metadata.<key>`.
public struct JSONLogHandler: LogHandler {
    /// Receives each encoded line, newline included.
    public typealias Sink = @Sendable ([UInt8]) -> Void

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: Sink

    static let fixedMembers: Set<String> = ["time", "level", "label", "message"]

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, sink: @escaping Sink) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    /// A handler writing to the process's standard error.
    public static func standardError(label: String, metadataProvider: Logger.MetadataProvider? = nil) -> Self {
        JSONLogHandler(label: label, metadataProvider: metadataProvider, sink: StandardErrorSink.write)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        sink(Self.line(time: Date(), level: event.level, label: label, message: "\(event.message)", metadata: merged))
    }

    /// The encoded line for one record, newline included.
    static func line(time: Date, level: Logger.Level, label: String, message: String, metadata: Logger.Metadata)
        -> [UInt8]
    {
        var members: [String: JSONValue] = [:]
        for (key, value) in metadata {
            flatten(value, key: fixedMembers.contains(key) ? "metadata.\(key)" : key, into: &members)
        }
        members["time"] = .string(time.formatted(timeFormat))
        members["level"] = .string(level.rawValue)
        members["label"] = .string(label)
        members["message"] = .string(message)
        var out = AuditCanonicalJSON.encode(.object(members))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    private static func flatten(_ value: Logger.Metadata.Value, key: String, into members: inout [String: JSONValue]) {
        switch value {
        case .dictionary(let nested):
            for (inner, innerValue) in nested { flatten(innerValue, key: "\(key).\(inner)", into: &members) }
        default:
            members[key] = json(value)
        }
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let elements): .array(elements.map(json))
        case .dictionary(let members): .object(members.mapValues(json))
        }
    }
}

/// Whole lines written to file descriptor 2 under one lock, so concurrent records never interleave.
enum StandardErrorSink {
    private static let lock = Mutex(())

    @Sendable static func write(_ line: [UInt8]) {
        lock.withLock { _ in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = systemWrite(2, bytes.baseAddress! + offset, bytes.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else {
                        return
                    }
                }
            }
        }
    }
}

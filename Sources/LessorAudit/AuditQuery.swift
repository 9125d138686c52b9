public import LessorCore

/// A streaming filter over log files. Lines are tested on their bytes first (canonical form
/// makes `"tenant_id":"acme"` and the fixed-width time exact substrings), and only candidates
/// are parsed, so a query reads a large log at close to disk speed. Record times never go back,
/// so with `since` whole segments that end before it are skipped (a segment ends where the next
/// one starts), and with `until` reading stops at the first later record.
public struct AuditQuery: Sendable {
    public var tenantID: String?
    /// Inclusive lower bound, a prefix accepted by `AuditTimestamp.bound`.
    public var since: String?
    /// Exclusive upper bound.
    public var until: String?
    /// Event names; `tenant.*` matches the family.
    public var events: [String]
    /// The `sub` of the subject, exactly.
    public var subject: String?

    public init(
        tenantID: String? = nil, since: String? = nil, until: String? = nil, events: [String] = [],
        subject: String? = nil
    ) {
        self.tenantID = tenantID
        self.since = since
        self.until = until
        self.events = events
        self.subject = subject
    }

    /// Calls `emit` with each matching line (without newline), in log order.
    public func run(files: [String], emit: (ArraySlice<UInt8>) throws(LessorError) -> Void) throws(LessorError) {
        let tenantNeedle = tenantID.map { needle(key: "tenant_id", value: $0) }
        for (index, path) in files.enumerated() {
            if let since, index + 1 < files.count, let next = try firstTime(files[index + 1]),
                next.lexicographicallyPrecedes(since.utf8)
            {
                continue
            }
            var reader = try AuditLineReader(path: path)
            while let (line, _) = try reader.next() {
                if since != nil || until != nil {
                    guard let time = timeText(line) else { continue }
                    if let until, !time.lexicographicallyPrecedes(until.utf8) { return }
                    if let since, time.lexicographicallyPrecedes(since.utf8) { continue }
                }
                if let tenantNeedle, !contains(line, tenantNeedle) { continue }
                if !events.isEmpty || subject != nil || tenantID != nil {
                    guard let object = try? JSONParser.parse(Array(line)).objectValue else { continue }
                    if let tenantID, object["tenant_id"]?.stringValue != tenantID { continue }
                    if !events.isEmpty {
                        let event = object["event"]?.stringValue ?? ""
                        let matches = events.contains { wanted in
                            wanted.hasSuffix(".*") ? event.hasPrefix(String(wanted.dropLast())) : event == wanted
                        }
                        if !matches { continue }
                    }
                    if let subject, object["subject"]?["sub"]?.stringValue != subject { continue }
                }
                try emit(line)
            }
        }
    }

    private func firstTime(_ path: String) throws(LessorError) -> [UInt8]? {
        var reader = try AuditLineReader(path: path)
        return try reader.next().flatMap { timeText($0.line) }.map(Array.init)
    }

    private func needle(key: String, value: String) -> [UInt8] {
        var bytes = Array("\"\(key)\":".utf8)
        AuditCanonicalJSON.append(.string(value), to: &bytes)
        return bytes
    }

    private func timeText(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        let key = Array("\"time\":\"".utf8)
        guard let start = firstIndex(of: key, in: line) else { return nil }
        let from = start + key.count
        guard let end = line[from...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return line[from..<end]
    }

    private func contains(_ line: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        firstIndex(of: needle, in: line) != nil
    }

    private func firstIndex(of needle: [UInt8], in line: ArraySlice<UInt8>) -> Int? {
        guard let first = needle.first, line.count >= needle.count else { return nil }
        var index = line.startIndex
        let last = line.endIndex - needle.count
        while index <= last {
            guard let found = line[index...last].firstIndex(of: first) else { return nil }
            if line[found..<found + needle.count].elementsEqual(needle) { return found }
            index = found + 1
        }
        return nil
    }
}

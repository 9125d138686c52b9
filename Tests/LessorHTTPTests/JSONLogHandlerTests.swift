import Foundation
import LessorCore
import LessorHTTP
import Logging
import Synchronization
import Testing

@Suite("JSON log lines: one object per line, escaped, metadata merged and flattened")
struct JSONLogHandlerTests {
    /// The lines a handler wrote, kept in memory.
    final class Lines: Sendable {
        private let store = Mutex<[[UInt8]]>([])

        func append(_ line: [UInt8]) { store.withLock { $0.append(line) } }

        var all: [[UInt8]] { store.withLock { $0 } }

        /// Each line parsed; a line that is not one JSON object fails the test.
        func objects(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [[String: JSONValue]] {
            try all.map { line in
                #expect(line.last == UInt8(ascii: "\n"), sourceLocation: sourceLocation)
                #expect(line.dropLast().contains(UInt8(ascii: "\n")) == false, sourceLocation: sourceLocation)
                return try #require(try JSONParser.parse(Array(line.dropLast())).objectValue)
            }
        }
    }

    private func logger(_ lines: Lines, provider: Logger.MetadataProvider? = nil) -> Logger {
        Logger(label: "lessor.test") { label in
            JSONLogHandler(label: label, metadataProvider: provider, sink: { lines.append($0) })
        }
    }

    @Test("time, level, label and message are written; time is RFC 3339 in UTC")
    func fixedMembers() throws {
        let lines = Lines()
        let before = Date()
        logger(lines).info("lessor starting")
        let record = try #require(try lines.objects().first)
        #expect(record["level"]?.stringValue == "info")
        #expect(record["label"]?.stringValue == "lessor.test")
        #expect(record["message"]?.stringValue == "lessor starting")
        let time = try #require(record["time"]?.stringValue)
        #expect(time.hasSuffix("Z"), "\(time)")
        let parsed = try #require(try? Date(time, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        #expect(abs(parsed.timeIntervalSince(before)) < 60)
    }

    @Test("quotes, backslashes, newlines and control characters are escaped; a record stays on one line")
    func escaping() throws {
        let lines = Lines()
        let hostile = "line one\nline two\r\t\"quoted\" back\\slash \u{01}\u{1f} ünïcode 🔑"
        logger(lines).warning("\(hostile)", metadata: ["path": "\(hostile)"])
        let text = String(decoding: try #require(lines.all.first), as: UTF8.self)
        #expect(text.contains("\\n") && text.contains("\\\"quoted\\\"") && text.contains("\\u0001"))
        let record = try #require(try lines.objects().first)
        #expect(record["message"]?.stringValue == hostile)
        #expect(record["path"]?.stringValue == hostile)
    }

    @Test("metadata: the logger's, the provider's and the call's merge, the call's winning; nested is flattened")
    func metadataMerge() throws {
        let lines = Lines()
        let provider = Logger.MetadataProvider { ["trace_id": "t-1", "tenant_id": "from-provider"] }
        var logger = logger(lines, provider: provider)
        logger[metadataKey: "request_id"] = "r-1"
        logger[metadataKey: "tenant_id"] = "from-logger"
        logger.info(
            "credential issued",
            metadata: [
                "tenant_id": "acme", "ttl": .stringConvertible(900), "scopes": ["read", "list"],
                "engine": ["name": "token", "key": ["id": "k1"]], "message": "shadowing",
            ])
        let record = try #require(try lines.objects().first)
        #expect(record["request_id"]?.stringValue == "r-1")
        #expect(record["trace_id"]?.stringValue == "t-1")
        #expect(record["tenant_id"]?.stringValue == "acme")
        #expect(record["ttl"]?.stringValue == "900")
        #expect(record["scopes"] == .array([.string("read"), .string("list")]))
        #expect(record["engine.name"]?.stringValue == "token")
        #expect(record["engine.key.id"]?.stringValue == "k1")
        #expect(record["message"]?.stringValue == "credential issued")
        #expect(record["metadata.message"]?.stringValue == "shadowing")
    }

    @Test("records below the logger's level are not written")
    func levelFiltering() throws {
        let lines = Lines()
        var logger = logger(lines)
        logger.logLevel = .warning
        logger.debug("hidden")
        logger.info("hidden")
        logger.warning("shown")
        logger.error("shown too")
        logger.logLevel = .trace
        logger.trace("now shown")
        #expect(try lines.objects().map { $0["level"]?.stringValue } == ["warning", "error", "trace"])
    }
}

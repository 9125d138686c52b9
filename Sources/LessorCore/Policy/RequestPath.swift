/// A path a caller asks for, relative to its tenant (`aws/roles/deployer`). It cannot name a tenant:
/// the tenant comes only from the verified token and its binding.
public struct RequestPath: Sendable, Hashable, CustomStringConvertible {
    /// First segments that address broker-wide state rather than a tenant's own paths.
    public static let reservedRoots: Set<String> = ["tenants", "sys", "audit"]

    public let segments: [String]

    public var description: String { segments.joined(separator: "/") }

    /// The engine that serves this path: its first segment.
    public var engine: String { segments[0] }

    public init(_ text: String) throws(LessorError) {
        guard !text.isEmpty, text.utf8.count <= 512 else {
            throw LessorError(.requestInvalid, "a path must have 1 to 512 characters")
        }
        let segments = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for segment in segments where !Self.isValidSegment(segment) {
            throw LessorError(.requestInvalid, Self.segmentRule(segment))
        }
        self.segments = segments
    }

    static func isValidSegment(_ segment: String) -> Bool {
        guard !segment.isEmpty, segment != ".", segment != "..", segment.utf8.count <= 128 else { return false }
        return segment.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "@"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: ","):
                true
            default:
                false
            }
        }
    }

    static func segmentRule(_ segment: String) -> String {
        "path segment '\(segment.prefix(64))' is invalid: segments are 1–128 of A-Z a-z 0-9 - _ . @ + = , and never '.' or '..' or empty"
    }
}

/// Where a declaration was written, so every validation error can point at it.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}

/// One problem found while validating a bundle.
public struct PolicyIssue: Sendable, Hashable, CustomStringConvertible {
    public let location: SourceLocation
    public let message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// Every problem a bundle has; a bundle with any problem is refused as a whole.
public struct PolicyIssues: Error, Sendable, Hashable, CustomStringConvertible {
    public let issues: [PolicyIssue]

    public init(_ issues: [PolicyIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

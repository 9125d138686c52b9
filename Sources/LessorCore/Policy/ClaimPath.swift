/// A dotted name for a claim, such as `sub` or `kubernetes.io.serviceaccount.name`. Claim names may
/// themselves contain dots (`kubernetes.io`), so resolution tries the longest member name first at
/// every level.
public struct ClaimPath: Sendable, Hashable, CustomStringConvertible, Comparable {
    public let name: String

    public init(_ name: String) { self.name = name }

    public var description: String { name }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.name < rhs.name }

    /// The string values at this path: one for a string claim, each string for an array claim.
    public func values(in claims: [String: JSONValue]) -> [String] {
        guard let value = Self.resolve(Substring(name), in: claims) else { return [] }
        switch value {
        case .string(let text): return [text]
        case .array(let items): return items.compactMap(\.stringValue)
        case .bool(let flag): return [flag ? "true" : "false"]
        default: return []
        }
    }

    private static func resolve(_ path: Substring, in object: [String: JSONValue]) -> JSONValue? {
        if let exact = object[String(path)] { return exact }
        var split = path.endIndex
        while let dot = path[..<split].lastIndex(of: ".") {
            split = dot
            guard let child = object[String(path[..<dot])], case .object(let nested) = child else { continue }
            if let found = resolve(path[path.index(after: dot)...], in: nested) { return found }
        }
        return nil
    }
}

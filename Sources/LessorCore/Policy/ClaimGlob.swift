import Foundation

/// A pattern over a claim value: `*` matches any run of characters (including none), everything
/// else matches itself. Claims are not paths, so `*` also matches `/` and `:`.
public struct ClaimGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    private let pieces: [Substring]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.pieces = pattern.split(separator: "*", omittingEmptySubsequences: false)
    }

    public var description: String { pattern }

    /// True when the pattern has no wildcard: it matches exactly one value.
    public var literal: String? { pieces.count == 1 ? pattern : nil }

    public func matches(_ value: String) -> Bool {
        guard pieces.count > 1 else { return value == pattern }
        var rest = Substring(value)
        guard rest.hasPrefix(pieces[0]) else { return false }
        rest = rest.dropFirst(pieces[0].count)
        for piece in pieces[1..<(pieces.count - 1)] where !piece.isEmpty {
            guard let range = rest.range(of: piece) else { return false }
            rest = rest[range.upperBound...]
        }
        let last = pieces[pieces.count - 1]
        return rest.count >= last.count && rest.hasSuffix(last)
    }

    /// True when some value matches both patterns. Exact for `*`-only globs: a search over pairs
    /// of positions in the two patterns, memoized.
    public func intersects(_ other: ClaimGlob) -> Bool {
        let a = Array(pattern.unicodeScalars)
        let b = Array(other.pattern.unicodeScalars)
        var memo: [Int: Bool] = [:]
        func search(_ i: Int, _ j: Int) -> Bool {
            let key = i * (b.count + 1) + j
            if let known = memo[key] { return known }
            let result: Bool
            if i == a.count && j == b.count {
                result = true
            } else if i < a.count && a[i] == "*" {
                result = search(i + 1, j) || (j < b.count && search(i, j + 1))
            } else if j < b.count && b[j] == "*" {
                result = search(i, j + 1) || (i < a.count && search(i + 1, j))
            } else if i < a.count && j < b.count && a[i] == b[j] {
                result = search(i + 1, j + 1)
            } else {
                result = false
            }
            memo[key] = result
            return result
        }
        return search(0, 0)
    }
}

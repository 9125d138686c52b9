/// A tenant as declared in git. Onboarding is a commit; offboarding is a runtime action that
/// always wins over this declaration.
public struct TenantDeclaration: Sendable, Hashable {
    public let id: String
    public let className: String
    /// Overrides the class's residency when set; must be a subset of it.
    public let residency: [String]?
    /// Policies that apply to this tenant in addition to those of the binding that selected it.
    public let policies: [String]
    public let location: SourceLocation

    public init(id: String, className: String, residency: [String]?, policies: [String], location: SourceLocation) {
        self.id = id
        self.className = className
        self.residency = residency
        self.policies = policies
        self.location = location
    }

    /// Tenant ids are DNS labels: 1–63 of `a-z 0-9 -`, not starting or ending with `-`.
    public static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "-")
        }
    }
}

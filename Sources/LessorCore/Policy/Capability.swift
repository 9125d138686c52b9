/// What a policy rule allows on a path. `deny` overrides every other capability on the paths it
/// matches.
public enum Capability: String, Sendable, Hashable, CaseIterable, Comparable {
    case read, create, update, delete, list, deny

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

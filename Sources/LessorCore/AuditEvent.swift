/// The type of an audit record: `grant`, `deny`, `renew`, `revoke`, `checkpoint`, or a dotted
/// action in the `tenant.`, `admin.` or `policy.` families (`tenant.offboard`, `policy.apply`).
public struct AuditEvent: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public static let grant = AuditEvent(unchecked: "grant")
    public static let deny = AuditEvent(unchecked: "deny")
    public static let renew = AuditEvent(unchecked: "renew")
    public static let revoke = AuditEvent(unchecked: "revoke")
    /// Written by the audit log itself; callers cannot append it.
    public static let checkpoint = AuditEvent(unchecked: "checkpoint")

    public static let families = ["tenant", "admin", "policy"]

    /// `family` is `tenant`, `admin` or `policy`; `action` is lowercase letters, digits, `_` and `-`.
    public static func action(_ family: String, _ action: String) throws(LessorError) -> AuditEvent {
        try AuditEvent("\(family).\(action)")
    }

    /// Accepts the fixed names and `family.action`; anything else is `requestInvalid`.
    public init(_ rawValue: String) throws(LessorError) {
        guard Self.isValid(rawValue) else {
            throw LessorError(
                .requestInvalid,
                "unknown audit event '\(rawValue.prefix(64))': use grant, deny, renew, revoke, checkpoint "
                    + "or tenant.*, admin.*, policy.*")
        }
        self.rawValue = rawValue
    }

    private init(unchecked rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    private static func isValid(_ text: String) -> Bool {
        if ["grant", "deny", "renew", "revoke", "checkpoint"].contains(text) { return true }
        guard let dot = text.firstIndex(of: "."), families.contains(String(text[..<dot])) else { return false }
        let action = text[text.index(after: dot)...]
        return !action.isEmpty && action.count <= 64
            && action.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            }
    }
}

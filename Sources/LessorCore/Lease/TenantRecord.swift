public import Foundation

/// A tenant's runtime state, kept in the store. Declarations come from git; this record is what
/// offboarding changes, and it always wins over a declaration.
public struct TenantRecord: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, Codable {
        case active
        case offboarding
        case offboarded
    }

    public var id: String
    public var state: State
    public var createdAt: Date
    public var updatedAt: Date
    /// The tenant's data key sealed by the broker key; nil once destroyed by offboarding.
    public var wrappedDataKey: [UInt8]?

    public init(id: String, state: State, createdAt: Date, updatedAt: Date, wrappedDataKey: [UInt8]?) {
        self.id = id
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.wrappedDataKey = wrappedDataKey
    }
}

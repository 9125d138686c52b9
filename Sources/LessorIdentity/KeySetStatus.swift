public import Foundation

/// What readiness and metrics show for one issuer's key set.
public struct KeySetStatus: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// No fetch has succeeded yet.
        case notLoaded = "not_loaded"
        /// Keys are within their cache lifetime.
        case fresh
        /// Past their lifetime (the IdP is failing) but within max staleness: still served.
        case stale
        /// Past max staleness: tokens of this issuer are refused until a fetch succeeds.
        case unavailable
    }

    public let issuer: String
    public let state: State
    public let keyIDs: [String]
    public let lastSuccess: Date?
    public let expiresAt: Date?
    /// The last fetch failure's message (never key material).
    public let lastError: String?
    public let fetches: Int

    /// True when tokens of this issuer can be verified now.
    public var isServing: Bool { state == .fresh || state == .stale }
}

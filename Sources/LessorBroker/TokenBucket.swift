public import Foundation

/// A token bucket: it holds at most `capacity` tokens, refills at `rate` tokens per second, and
/// each request takes one. A pure value: the caller passes the time, so it is tested without
/// waiting. The arithmetic is exact: time in whole milliseconds, tokens in thousandths. A clock that
/// moves back refills nothing.
public struct TokenBucket: Sendable, Hashable {
    /// Tokens per second.
    public private(set) var rate: Int
    public private(set) var capacity: Int
    /// Thousandths of a token: one millisecond adds `rate` of them.
    private var milliTokens: Int
    private var updated: Int64

    /// A full bucket at `now`. `rate` and `capacity` are at least 1 (the policy loader's bounds).
    public init(rate: Int, capacity: Int, now: Date) {
        self.rate = max(1, rate)
        self.capacity = max(1, capacity)
        milliTokens = self.capacity * 1000
        updated = Self.milliseconds(now)
    }

    /// The tokens available at `now`, in whole tokens and fractions.
    public func available(at now: Date) -> Double { Double(milliTokens(at: now)) / 1000 }

    /// Whether the bucket is full at `now`: forgetting it then changes nothing, since a new bucket
    /// starts full.
    public func isFull(at now: Date) -> Bool { milliTokens(at: now) >= capacity * 1000 }

    /// Takes one token at `now`: nil when taken, otherwise how long until one is available (whole
    /// milliseconds, rounded up), and the bucket keeps what it has.
    public mutating func take(at now: Date) -> Duration? {
        refill(at: now)
        guard milliTokens < 1000 else {
            milliTokens -= 1000
            return nil
        }
        let missing = 1000 - milliTokens
        return .milliseconds((missing + rate - 1) / rate)
    }

    /// Adopts a class's new limits (a reloaded policy bundle), keeping the tokens it has up to the
    /// new capacity.
    public mutating func reconfigure(rate: Int, capacity: Int, now: Date) {
        refill(at: now)
        self.rate = max(1, rate)
        self.capacity = max(1, capacity)
        milliTokens = min(milliTokens, self.capacity * 1000)
    }

    private func milliTokens(at now: Date) -> Int {
        let elapsed = max(0, Self.milliseconds(now) - updated)
        let limit = capacity * 1000
        // Past the time a full refill takes, the bucket is full (and the product cannot overflow).
        guard elapsed < Int64(limit) else { return limit }
        return min(limit, milliTokens + Int(elapsed) * rate)
    }

    private mutating func refill(at now: Date) {
        milliTokens = milliTokens(at: now)
        updated = max(updated, Self.milliseconds(now))
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }
}

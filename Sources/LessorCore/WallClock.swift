public import Foundation

/// The source of wall-clock time for every expiry decision. Production uses `.system`; tests pass
/// a clock they move by hand, so no test waits for real time to pass.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    public init(_ read: @escaping @Sendable () -> Date) { self.read = read }

    public var now: Date { read() }

    public static let system = WallClock { Date() }
}

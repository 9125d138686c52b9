import Foundation

/// How the store writes instants: whole milliseconds since 1970 in INTEGER columns, so that
/// comparisons in SQL and in indexes are exact. Sub-millisecond parts are rounded to the nearest.
enum SQLiteTime {
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }
}

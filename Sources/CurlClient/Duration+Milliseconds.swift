extension Duration {
    /// Whole milliseconds, rounded down, never negative.
    var clampedMilliseconds: Int {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow, millis < Int64(Int.max) - 1000 else { return Int.max }
        return Int(millis + attoseconds / 1_000_000_000_000_000)
    }
}

import LessorCore

/// Durations as people write them in policy files: `90s`, `15m`, `1h30m`, `7d`, or plain seconds.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        if let seconds = Int64(text), seconds >= 0 { return .seconds(seconds) }
        var total: Int64 = 0
        var number: Int64?
        for character in text {
            if let digit = character.wholeNumberValue {
                number = (number ?? 0) * 10 + Int64(digit)
                guard number! < 100_000_000 else { return nil }
                continue
            }
            guard let value = number else { return nil }
            switch character {
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86_400
            default: return nil
            }
            number = nil
        }
        guard number == nil, !text.isEmpty else { return nil }
        return .seconds(total)
    }
}

extension ConfigNode {
    /// A duration written as `15m`, `1h`, `90s`, `7d` or whole seconds, within `range`.
    func duration(in range: ClosedRange<Duration>) throws(LessorError) -> Duration {
        let text = try string()
        guard let value = DurationText.parse(text) else {
            throw error("'\(text)' is not a duration; write e.g. 90s, 15m, 1h or 7d")
        }
        guard range.contains(value) else {
            throw error(
                "'\(text)' must be between \(range.lowerBound.components.seconds) s and \(range.upperBound.components.seconds) s"
            )
        }
        return value
    }
}

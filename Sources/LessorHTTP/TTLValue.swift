import LessorCore

/// A TTL in a request body: whole seconds (`900`) or a duration text (`"15m"`, `"1h"`, `"90s"`).
struct TTLValue: Decodable {
    let duration: Duration

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Int.self) {
            guard seconds > 0 else { throw Self.invalid(container) }
            duration = .seconds(seconds)
            return
        }
        let text = try container.decode(String.self)
        guard let unit = text.last, let amount = Int(text.dropLast()), amount > 0, amount <= 1_000_000 else {
            throw Self.invalid(container)
        }
        switch unit {
        case "s": duration = .seconds(amount)
        case "m": duration = .seconds(amount * 60)
        case "h": duration = .seconds(amount * 3600)
        default: throw Self.invalid(container)
        }
    }

    private static func invalid(_ container: any SingleValueDecodingContainer) -> DecodingError {
        .dataCorruptedError(
            in: container, debugDescription: "a TTL is positive whole seconds or a text like \"15m\", \"1h\", \"90s\"")
    }
}

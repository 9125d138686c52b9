import Foundation

/// Reads the freshness an HTTP response grants. `no-store`/`no-cache` count as zero; the cache
/// clamps whatever this returns into its configured bounds.
enum CacheControl {
    static func maxAge(_ header: String?) -> Duration? {
        guard let header else { return nil }
        var result: Duration?
        for directive in header.split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            switch parts[0] {
            case "no-store", "no-cache":
                return .zero
            case "max-age" where parts.count == 2:
                if let seconds = Int64(parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))), seconds >= 0
                {
                    result = .seconds(seconds)
                }
            default:
                continue
            }
        }
        return result
    }
}

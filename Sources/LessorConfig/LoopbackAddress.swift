import Foundation

/// Whether a listen address can only be reached from this host: `localhost`, `127.0.0.0/8` or
/// `::1`. `0.0.0.0` and `::` listen on every interface and are not loopback.
public enum LoopbackAddress {
    public static func contains(_ host: String) -> Bool {
        let trimmed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if trimmed == "localhost" || trimmed == "::1" || trimmed == "0:0:0:0:0:0:0:1" { return true }
        let octets = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }

    /// Whether `url`'s host is loopback (the scheme and port do not matter): where a client may
    /// send a bearer token over plain HTTP.
    public static func contains(url: String) -> Bool {
        guard let host = URLComponents(string: url)?.host, !host.isEmpty else { return false }
        return contains(host)
    }
}

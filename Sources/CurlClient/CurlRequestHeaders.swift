internal import LessorCore

/// Turns caller headers into curl header lines, refusing anything that could inject a line.
enum CurlRequestHeaders {
    static func lines(for headers: [(name: String, value: String)]) throws(LessorError) -> [String] {
        var lines: [String] = []
        var sawExpect = false
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                throw LessorError(.upstreamFailure, "a request header name is empty or not an HTTP token")
            }
            guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw LessorError(.upstreamFailure, "the value of request header \(name) contains a line break")
            }
            sawExpect = sawExpect || name.lowercased() == "expect"
            // curl drops `Name:` lines; `Name;` is its spelling of an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if !sawExpect {
            // No `Expect: 100-continue` round trip (and its one-second wait) before a body.
            lines.append("Expect:")
        }
        return lines
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

/// Collects one transfer's response as curl delivers it: header lines and a size-capped body.
/// Used only on the thread running the transfer.
final class CurlResponseSink {
    let maxBodyBytes: Int
    let cancellation: CurlCancellation
    private(set) var headers: [String: String] = [:]
    private(set) var body: [UInt8] = []
    /// Set when the announced or received body exceeded `maxBodyBytes`.
    private(set) var exceededLimit = false
    private var lastHeaderName: String?

    init(maxBodyBytes: Int, cancellation: CurlCancellation) {
        self.maxBodyBytes = max(0, maxBodyBytes)
        self.cancellation = cancellation
    }

    /// One raw header line, CRLF included. Returns false to abort the transfer.
    func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Bool {
        // Trim bytes, not Characters: "\r\n" is a single Character in Swift.
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[end - 1] == 0x0D || bytes[end - 1] == 0x0A { end -= 1 }
        let line = String(decoding: bytes[..<end], as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            // A new status line (interim 1xx, or a proxy's answer) starts a new header block.
            headers = [:]
            lastHeaderName = nil
            return true
        }
        guard let first = line.first else { return true }
        if first == " " || first == "\t" {
            // Obsolete line folding continues the previous header's value.
            if let name = lastHeaderName {
                headers[name, default: ""] += " " + Self.trimmed(Substring(line))
            }
            return true
        }
        guard let colon = line.firstIndex(of: ":") else { return true }
        let name = Self.trimmed(line[..<colon]).lowercased()
        let value = Self.trimmed(line[line.index(after: colon)...])
        headers[name] = value
        lastHeaderName = name
        if name == "content-length", let length = Int(value), length > maxBodyBytes {
            exceededLimit = true
            return false
        }
        return true
    }

    /// A piece of the body. Returns false to abort the transfer.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= maxBodyBytes - body.count else {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    private static func trimmed(_ text: Substring) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = text.firstIndex(where: { !isBlank($0) }),
            let end = text.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(text[start...end])
    }
}

import Foundation
import LessorCore

/// The secrets a test used or received, and where any of them shows up in text, in every form a
/// careless log line or record could hold it: as given, percent-encoded, with `/` escaped as JSON
/// may write it, a JWT's signature alone, and a key file's bytes as base64url, base64 and hex.
struct SecretScan {
    /// One form of one secret.
    struct Needle: Sendable, Hashable {
        let name: String
        let text: String
    }

    /// Shorter values could match by chance.
    static let minimumLength = 16

    private(set) var needles: Set<Needle> = []

    /// `value` under `name`; a JWT also by its signature, which no other token shares.
    mutating func add(_ name: String, _ value: String) {
        insert(name, value)
        insert(name, value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)
        insert(name, value.replacingOccurrences(of: "/", with: "\\/"))
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) {
            insert("\(name) (signature)", String(parts[2]))
        }
    }

    /// The key bytes written as base64url: as written, and as base64 and hex of the bytes.
    mutating func addKey(_ name: String, base64url: String) {
        insert(name, base64url)
        guard let bytes = Base64URL.decode(base64url) else { return }
        insert(name, Data(bytes).base64EncodedString())
        insert(name, bytes.map { String(format: "%02x", $0) }.joined())
        insert(name, bytes.map { String(format: "%02X", $0) }.joined())
    }

    /// A key file of Lessor's: one line of base64url, or a token signing key's JSON with `seed`.
    mutating func addKeyFile(_ path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let name = "key file \(URL(fileURLWithPath: path).lastPathComponent)"
        if text.hasPrefix("{") {
            guard let seed = try JSONParser.parse(Array(text.utf8))["seed"]?.stringValue else {
                throw LessorError(.internalFailure, "\(path) holds no seed")
            }
            addKey(name, base64url: seed)
        } else {
            addKey(name, base64url: text)
        }
    }

    /// Each secret found in `text`, as "<name> in <source>".
    func findings(in text: String, source: String) -> [String] {
        let found = needles.filter { text.contains($0.text) }.map(\.name)
        return Set(found).sorted().map { "\($0) in \(source)" }
    }

    var names: Set<String> { Set(needles.map(\.name)) }

    private mutating func insert(_ name: String, _ text: String) {
        if text.count >= Self.minimumLength { needles.insert(Needle(name: name, text: text)) }
    }
}

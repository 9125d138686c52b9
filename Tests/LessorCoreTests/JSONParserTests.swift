import LessorCore
import Testing

@Suite("Strict JSON parsing of untrusted token parts")
struct JSONParserTests {
    private func parse(_ text: String) throws(LessorError) -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test("Parses every JSON kind")
    func parsesKinds() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null, "x"], "b": {"c": "\u00e9\ud83d\ude00\n"}} "#)
        #expect(value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null, .string("x")]))
        #expect(value["b"]?["c"] == .string("é😀\n"))
    }

    @Test("Refuses a member given twice")
    func duplicateMember() {
        #expect(throws: LessorError(.tokenMalformed, "")) { try parse(#"{"sub":"a","sub":"b"}"#) }
    }

    @Test("Refuses nesting beyond the depth limit")
    func depthLimit() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(throws: LessorError(.tokenMalformed, "")) { try parse(deep) }
        let fine = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(throws: Never.self) { try parse(fine) }
    }

    @Test(
        "Refuses malformed documents",
        arguments: [
            "", "{", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\\x\"", "\"\u{01}\"", "{} {}",
            "\"\\ud800\"", "\"\\udc00\"", "1e400", "[1 2]", "{1:2}",
        ])
    func refusesMalformed(text: String) {
        #expect(throws: LessorError(.tokenMalformed, "")) { try parse(text) }
    }

    @Test("Refuses invalid UTF-8 inside strings")
    func invalidUTF8() {
        #expect(throws: LessorError(.tokenMalformed, "")) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }
}

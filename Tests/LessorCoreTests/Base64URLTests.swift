import LessorCore
import Testing

@Suite("base64url as JOSE uses it")
struct Base64URLTests {
    @Test("Round trips every length and byte value")
    func roundTrip() {
        for length in 0..<67 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base64URL.decode(Base64URL.encode(all)) == all)
    }

    @Test("Known answers from RFC 4648 without padding")
    func knownAnswers() {
        #expect(Base64URL.encode(Array("f".utf8)) == "Zg")
        #expect(Base64URL.encode(Array("fo".utf8)) == "Zm8")
        #expect(Base64URL.encode(Array("foo".utf8)) == "Zm9v")
        #expect(Base64URL.encode([0xFB, 0xFF]) == "-_8")
    }

    @Test(
        "Refuses padding, the standard alphabet, white space, impossible lengths and stray bits",
        arguments: ["Zg==", "+/8", "Zm 9v", "Z", "Zh", "Zm9", "Zm9v\n"])
    func refusesNonCanonical(text: String) {
        #expect(Base64URL.decode(text) == nil)
    }
}

import LessorCore
import Testing

@Suite("Lower-case hexadecimal")
struct HexTests {
    @Test("every byte value is two lower-case digits, high nibble first; nothing gives an empty string")
    func digits() {
        #expect(Hex.lowercase([]) == "")
        #expect(Hex.lowercase([0x00, 0x0F, 0xF0, 0xFF, 0xAB, 0x5C]) == "000ff0ffab5c")
        let all = Hex.lowercase((0...255).map(UInt8.init))
        #expect(all.utf8.count == 512)
        for byte in 0...255 {
            let start = all.utf8.index(all.utf8.startIndex, offsetBy: byte * 2)
            let pair = String(all.utf8[start..<all.utf8.index(start, offsetBy: 2)])!
            #expect(UInt8(pair, radix: 16) == UInt8(byte) && pair == pair.lowercased(), "\(byte): \(pair)")
        }
        #expect(Hex.lowercase([UInt8](repeating: 7, count: 3)[1...]) == "0707", "any collection, a slice too")
    }

    @Test("decode reads back every byte value and refuses odd lengths, upper case and other characters")
    func decode() {
        let bytes = (0...255).map(UInt8.init)
        #expect(Hex.decode(Hex.lowercase(bytes)) == bytes)
        #expect(Hex.decode("") == [])
        for bad in ["0", "abc", "0A", "zz", "0g", " 00", "00 "] {
            #expect(Hex.decode(bad) == nil, "\(bad)")
        }
    }
}

/// RFC 4648 §5 base64url without padding, as JOSE uses it. Decoding is strict: padding, the
/// standard alphabet's `+` and `/`, white space and non-zero trailing bits are refused.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= input.count {
            let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
            out.append(alphabet[Int(value >> 6 & 63)])
            out.append(alphabet[Int(value & 63)])
            index += 3
        }
        let rest = input.count - index
        if rest == 1 {
            let value = UInt32(input[index]) << 16
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
        } else if rest == 2 {
            let value = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            out.append(alphabet[Int(value >> 18 & 63)])
            out.append(alphabet[Int(value >> 12 & 63)])
            out.append(alphabet[Int(value >> 6 & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Returns nil for anything that is not canonical unpadded base64url.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(utf8: Array(text.utf8)[...])
    }

    public static func decode(utf8 input: ArraySlice<UInt8>) -> [UInt8]? {
        let count = input.count
        if count % 4 == 1 { return nil }
        let outputCount = count / 4 * 3 + max(count % 4 - 1, 0)
        let table = reverse
        var valid = true
        let output = [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
            input.withUnsafeBufferPointer { text in
                table.withUnsafeBufferPointer { table in
                    var read = 0
                    var written = 0
                    while read + 4 <= count {
                        let a = table[Int(text[read])]
                        let b = table[Int(text[read + 1])]
                        let c = table[Int(text[read + 2])]
                        let d = table[Int(text[read + 3])]
                        if (a | b | c | d) & 0xC0 != 0 {
                            valid = false
                            return
                        }
                        let value = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                        out[written] = UInt8(truncatingIfNeeded: value >> 16)
                        out[written + 1] = UInt8(truncatingIfNeeded: value >> 8)
                        out[written + 2] = UInt8(truncatingIfNeeded: value)
                        read += 4
                        written += 3
                    }
                    let rest = count - read
                    guard rest > 0 else { return }
                    var value: UInt32 = 0
                    for offset in 0..<rest {
                        let digit = table[Int(text[read + offset])]
                        if digit & 0xC0 != 0 {
                            valid = false
                            return
                        }
                        value |= UInt32(digit) << UInt32(18 - 6 * offset)
                    }
                    // Canonical encodings leave the unused low bits of the last character zero.
                    let unusedMask: UInt32 = rest == 2 ? 0xFFFF : 0xFF
                    if value & unusedMask != 0 {
                        valid = false
                        return
                    }
                    out[written] = UInt8(truncatingIfNeeded: value >> 16)
                    if rest == 3 { out[written + 1] = UInt8(truncatingIfNeeded: value >> 8) }
                }
            }
            initialized = valid ? outputCount : 0
        }
        return valid ? output : nil
    }
}

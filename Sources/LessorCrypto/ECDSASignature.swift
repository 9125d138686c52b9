internal import COpenSSL
import LessorCore

/// Converts between JOSE's fixed-width `r||s` ECDSA signatures and the DER
/// `SEQUENCE { INTEGER r, INTEGER s }` that OpenSSL produces and expects.
enum ECDSASignature {
    /// Largest DER encoding for P-384: a 2-byte SEQUENCE header and two INTEGERs of at most
    /// 2 + 49 bytes. Every length fits in one byte.
    static let maxDERCount = 2 + 2 * (2 + 49)

    /// Writes the DER form of `raw` (exactly twice `coordinateSize` bytes) into `out`, which
    /// holds at least `maxDERCount` bytes, and returns the encoded length.
    static func encodeDER(
        raw: UnsafeBufferPointer<UInt8>, coordinateSize: Int, into out: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        precondition(raw.count == 2 * coordinateSize && coordinateSize <= 48)
        let r = UnsafeBufferPointer(rebasing: raw[0..<coordinateSize])
        let s = UnsafeBufferPointer(rebasing: raw[coordinateSize...])
        var index = 2
        writeInteger(r, into: out, at: &index)
        writeInteger(s, into: out, at: &index)
        out[0] = 0x30
        out[1] = UInt8(index - 2)
        return index
    }

    private static func writeInteger(
        _ value: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, at index: inout Int
    ) {
        var start = 0
        while start < value.count - 1 && value[start] == 0 { start += 1 }
        let padded = value[start] >= 0x80
        let length = value.count - start + (padded ? 1 : 0)
        out[index] = 0x02
        out[index + 1] = UInt8(length)
        index += 2
        if padded {
            out[index] = 0
            index += 1
        }
        for position in start..<value.count {
            out[index] = value[position]
            index += 1
        }
    }

    /// The JOSE form of an OpenSSL DER signature.
    static func raw(fromDER der: UnsafeBufferPointer<UInt8>, coordinateSize: Int) throws(LessorError) -> [UInt8] {
        var cursor: UnsafePointer<UInt8>? = der.baseAddress
        guard let signature = d2i_ECDSA_SIG(nil, &cursor, der.count) else {
            throw .openSSL("decoding the ECDSA signature")
        }
        defer { ECDSA_SIG_free(signature) }
        var out = [UInt8](repeating: 0, count: 2 * coordinateSize)
        let written = out.withUnsafeMutableBufferPointer { buffer in
            let size = Int32(coordinateSize)
            return BN_bn2binpad(ECDSA_SIG_get0_r(signature), buffer.baseAddress, size) == size
                && BN_bn2binpad(ECDSA_SIG_get0_s(signature), buffer.baseAddress! + coordinateSize, size) == size
        }
        guard written else { throw .openSSL("encoding the ECDSA signature") }
        return out
    }
}

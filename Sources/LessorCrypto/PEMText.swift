internal import COpenSSL
import LessorCore

/// Moves PEM text in and out of OpenSSL through memory BIOs.
enum PEMText {
    /// Runs `body` over a read-only BIO on the UTF-8 of `text`; nil if `body` returns nil.
    static func read(_ text: String, _ body: (OpaquePointer) -> OpaquePointer?) -> OpaquePointer? {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count <= Int32.max, let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else {
                return nil
            }
            defer { BIO_free(bio) }
            return body(bio)
        }
    }

    /// Collects what `body` writes to a memory BIO. The intermediate buffer is wiped, since it may
    /// hold a private key.
    static func write(_ operation: String, _ body: (OpaquePointer) -> Int32) throws(LessorError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openSSL(operation) }
        defer { BIO_free(bio) }
        guard body(bio) == 1 else { throw .openSSL(operation) }
        let pending = Int(BIO_ctrl_pending(bio))
        var bytes = [UInt8](repeating: 0, count: pending)
        defer { OPENSSL_cleanse(&bytes, bytes.count) }
        let read = bytes.withUnsafeMutableBytes { buffer in
            BIO_read(bio, buffer.baseAddress, Int32(buffer.count))
        }
        guard read == pending else { throw .openSSL(operation) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

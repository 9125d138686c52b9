import Foundation
import Glibc
public import LessorCore
import LessorCrypto

/// A secret key kept in a file of its own: one line of unpadded base64url, mode 0600, created once
/// with random bytes (never overwritten) and refused when it has the wrong length.
public enum SecretKeyFile {
    public static func readOrCreate(_ path: String, byteCount: Int, what: String) throws(LessorError) -> [UInt8] {
        // Created exclusively: two processes starting at once on an empty path end up with one key.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor >= 0 {
            let text = Array((Base64URL.encode(SecureRandom.bytes(count: byteCount)) + "\n").utf8)
            let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            let synced = fsync(descriptor) == 0
            close(descriptor)
            guard written == text.count, synced else {
                unlink(path)
                throw LessorError(.configInvalid, "cannot write the \(what) file \(path)")
            }
        } else if errno != EEXIST {
            throw LessorError(.configInvalid, "cannot create the \(what) file \(path) (errno \(errno))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LessorError(.configInvalid, "cannot read the \(what) file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Base64URL.decode(text), bytes.count == byteCount else {
            throw LessorError(.configInvalid, "the \(what) file \(path) must hold \(byteCount) bytes in base64url")
        }
        return bytes
    }
}

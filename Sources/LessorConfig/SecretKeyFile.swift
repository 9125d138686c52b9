import Foundation
public import LessorCore
import LessorCrypto

/// A secret key kept in a file of its own: one line of unpadded base64url, mode 0600, created once
/// with random bytes (never overwritten) and refused when it has the wrong length.
public enum SecretKeyFile {
    public static func readOrCreate(_ path: String, byteCount: Int, what: String) throws(LessorError) -> [UInt8] {
        if !FileManager.default.fileExists(atPath: path) {
            let text = Base64URL.encode(SecureRandom.bytes(count: byteCount)) + "\n"
            let created = FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
            guard created else { throw LessorError(.configInvalid, "cannot create the \(what) file \(path)") }
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

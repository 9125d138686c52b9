import Foundation
import LessorCore
import LessorCrypto

/// Secret key files: one line of unpadded base64url, mode 0600, written once and never
/// overwritten (a new key is a new file).
enum AuditKeyFile {
    static func read(_ path: String, what: String) throws(LessorError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LessorError(.configInvalid, "cannot read the \(what) file \(path)")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Base64URL.decode(text) else {
            throw LessorError(.configInvalid, "the \(what) file \(path) must hold one line of base64url")
        }
        return bytes
    }

    static func create(_ path: String, bytes: [UInt8]) throws(LessorError) {
        try createText(path, Base64URL.encode(bytes) + "\n")
    }

    static func createText(_ path: String, _ text: String) throws(LessorError) {
        let file: AuditFile
        do {
            file = try AuditFile(path: path, mode: .createNew)
        } catch {
            throw LessorError(.configInvalid, "refusing to create \(path): \(error.message)")
        }
        try file.write(Array(text.utf8))
        try file.sync()
    }
}

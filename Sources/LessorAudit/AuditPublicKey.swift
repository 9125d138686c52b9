import Foundation
public import LessorCore
public import LessorCrypto

/// The checkpoint verification key in the form auditors keep: a one-line JSON file
/// `{"algorithm":"Ed25519","key_id":"…","public_key":"<base64url>"}`. The key id is the first
/// 8 bytes of the SHA-256 of the key, in hexadecimal, and names the key in every checkpoint.
public struct AuditPublicKey: Sendable, Hashable {
    public let key: Ed25519PublicKey
    public let keyID: String

    public init(bytes: [UInt8]) throws(LessorError) {
        key = try Ed25519PublicKey(bytes: bytes)
        keyID = Digest.sha256(bytes).prefix(8).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
        }.joined()
    }

    /// Reads a public key file; the key id it states must match the key.
    public init(file path: String) throws(LessorError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LessorError(.configInvalid, "cannot read the audit public key file \(path)")
        }
        try self.init(fileText: String(decoding: data, as: UTF8.self), source: path)
    }

    public init(fileText: String, source: String) throws(LessorError) {
        let object: [String: JSONValue]?
        do {
            object = try JSONParser.parse(Array(fileText.utf8)).objectValue
        } catch {
            object = nil
        }
        guard let object, object["algorithm"]?.stringValue == "Ed25519",
            let encoded = object["public_key"]?.stringValue, let bytes = Base64URL.decode(encoded),
            let statedID = object["key_id"]?.stringValue
        else {
            throw LessorError(
                .configInvalid,
                "\(source) is not an audit public key file ({\"algorithm\":\"Ed25519\",\"key_id\",\"public_key\"})")
        }
        try self.init(bytes: bytes)
        guard statedID == keyID else {
            throw LessorError(.configInvalid, "\(source): key_id \(statedID) does not match its key (\(keyID))")
        }
    }

    /// The file's content, one line.
    public var fileText: String {
        let object: JSONValue = .object([
            "algorithm": .string("Ed25519"), "key_id": .string(keyID),
            "public_key": .string(Base64URL.encode(key.bytes)),
        ])
        return String(decoding: AuditCanonicalJSON.encode(object), as: UTF8.self) + "\n"
    }
}

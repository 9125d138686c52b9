public import Foundation
public import LessorCore
public import LessorCrypto

/// One broker token signing key as published: its id, public key and lifetime. The secret half
/// stays inside the keyring.
public struct TokenSigningKey: Sendable, Hashable {
    /// `kid`: base64url of the first 8 bytes of the SHA-256 of the public key.
    public let keyID: String
    public let publicKey: Ed25519PublicKey
    public let createdAt: Date
    /// Nil for the current key; for a rotated key, when every token it signed has expired.
    public let retireAfter: Date?

    /// The key id of an Ed25519 public key.
    public static func keyID(of publicKey: [UInt8]) -> String {
        Base64URL.encode(Digest.sha256(publicKey).prefix(8))
    }

    /// The public JWK, as JWKS publishes it.
    public var jwk: JSONValue {
        .object([
            "kty": .string("OKP"), "crv": .string("Ed25519"), "x": .string(Base64URL.encode(publicKey.bytes)),
            "kid": .string(keyID), "alg": .string("EdDSA"), "use": .string("sig"),
        ])
    }
}

/// A key as held in memory and on disk. The file `<kid>.json` is one JSON object:
/// `{"algorithm":"Ed25519","kid","seed","public_key","created_at","retire_after"?}`, where the
/// seed and public key are unpadded base64url and the times ISO 8601 UTC in whole seconds.
struct StoredTokenKey: Sendable {
    let published: TokenSigningKey
    let keyPair: Ed25519KeyPair

    static let fileSuffix = ".json"
    static let seedCount = 32

    var fileName: String { published.keyID + Self.fileSuffix }

    /// A fresh key created at `now`, and its file's bytes.
    static func generate(now: Date) throws(LessorError) -> (key: StoredTokenKey, file: [UInt8]) {
        let seed = SecureRandom.bytes(count: seedCount)
        let keyPair = try Ed25519KeyPair(seed: seed)
        let published = TokenSigningKey(
            keyID: TokenSigningKey.keyID(of: keyPair.publicKey),
            publicKey: try Ed25519PublicKey(bytes: keyPair.publicKey),
            createdAt: Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down)), retireAfter: nil)
        return (StoredTokenKey(published: published, keyPair: keyPair), fileBytes(seed: seed, key: published))
    }

    /// Parses a key file. Every complaint starts with `source` and never quotes the seed.
    static func parse(_ bytes: [UInt8], source: String, fileName: String) throws(LessorError) -> StoredTokenKey {
        guard let object = (try? JSONParser.parse(bytes))?.objectValue else {
            throw LessorError(.keyInvalid, "\(source): not a token key file (one JSON object expected)")
        }
        let allowed: Set<String> = ["algorithm", "kid", "seed", "public_key", "created_at", "retire_after"]
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw LessorError(.keyInvalid, "\(source): unknown member '\(unknown.prefix(64))'")
        }
        guard object["algorithm"]?.stringValue == "Ed25519" else {
            throw LessorError(.keyInvalid, "\(source): algorithm must be \"Ed25519\"")
        }
        guard let encodedSeed = object["seed"]?.stringValue, let seed = Base64URL.decode(encodedSeed),
            seed.count == seedCount
        else {
            throw LessorError(.keyInvalid, "\(source): seed must be \(seedCount) bytes of unpadded base64url")
        }
        guard let kid = object["kid"]?.stringValue else {
            throw LessorError(.keyInvalid, "\(source): kid is missing")
        }
        guard let createdAt = date(object["created_at"]) else {
            throw LessorError(.keyInvalid, "\(source): created_at must be an ISO 8601 UTC time")
        }
        let retireAfter: Date?
        if let value = object["retire_after"] {
            guard let parsed = date(value) else {
                throw LessorError(.keyInvalid, "\(source): retire_after must be an ISO 8601 UTC time")
            }
            retireAfter = parsed
        } else {
            retireAfter = nil
        }
        let keyPair = try Ed25519KeyPair(seed: seed)
        guard object["public_key"]?.stringValue == Base64URL.encode(keyPair.publicKey) else {
            throw LessorError(.keyInvalid, "\(source): public_key does not belong to the seed")
        }
        let derivedID = TokenSigningKey.keyID(of: keyPair.publicKey)
        guard kid == derivedID else {
            throw LessorError(.keyInvalid, "\(source): kid '\(kid.prefix(64))' does not match its key (\(derivedID))")
        }
        guard fileName == derivedID + fileSuffix else {
            throw LessorError(
                .keyInvalid, "\(source): the file of key \(derivedID) must be named \(derivedID)\(fileSuffix)")
        }
        let published = TokenSigningKey(
            keyID: derivedID, publicKey: try Ed25519PublicKey(bytes: keyPair.publicKey), createdAt: createdAt,
            retireAfter: retireAfter)
        return StoredTokenKey(published: published, keyPair: keyPair)
    }

    /// The same file with `retire_after` set; the seed is carried over from the current file
    /// rather than kept in memory.
    static func retiring(_ bytes: [UInt8], source: String, after retireAfter: Date) throws(LessorError) -> [UInt8] {
        guard case .object(var object) = try? JSONParser.parse(bytes) else {
            throw LessorError(.keyInvalid, "\(source): not a token key file (invalid JSON)")
        }
        object["retire_after"] = .string(format(retireAfter))
        return AuditCanonicalJSON.encode(.object(object)) + [UInt8(ascii: "\n")]
    }

    private static func fileBytes(seed: [UInt8], key: TokenSigningKey) -> [UInt8] {
        var object: [String: JSONValue] = [
            "algorithm": .string("Ed25519"), "kid": .string(key.keyID), "seed": .string(Base64URL.encode(seed)),
            "public_key": .string(Base64URL.encode(key.publicKey.bytes)), "created_at": .string(format(key.createdAt)),
        ]
        if let retireAfter = key.retireAfter { object["retire_after"] = .string(format(retireAfter)) }
        return AuditCanonicalJSON.encode(.object(object)) + [UInt8(ascii: "\n")]
    }

    static func format(_ date: Date) -> String { date.formatted(.iso8601) }

    private static func date(_ value: JSONValue?) -> Date? {
        guard let text = value?.stringValue else { return nil }
        return try? Date(text, strategy: .iso8601)
    }
}

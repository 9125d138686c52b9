public import Foundation
public import LessorCore
public import LessorCrypto

/// The signed evidence that a tenant was offboarded: what was revoked, what could not be, the
/// audit records that tell the story, and whether the tenant's data key is gone. The signature is
/// Ed25519 over the canonical JSON (sorted keys, no white space) of every other field, so anyone
/// with the broker's public key can check it offline (`lessor tenant verify-certificate`).
public struct DeletionCertificate: Sendable, Hashable, Codable {
    /// The format; `verify` refuses any other.
    public static let currentVersion = 1

    public var version: Int
    public var tenantID: String
    /// When offboarding finished, in whole seconds (the file holds ISO 8601 UTC).
    public var offboardedAt: Date
    public var leasesRevoked: Int
    /// Leases whose revocation had not succeeded when offboarding finished: the sweeper keeps
    /// retrying them until they are revoked or marked irrevocable.
    public var leasesNotRevoked: Int
    /// The global audit sequences of the offboarding's first and last records.
    public var firstAuditSequence: Int
    public var lastAuditSequence: Int
    public var dataKeyDestroyed: Bool
    public var reason: String
    /// The admin subject that asked for the offboarding.
    public var requestedBy: String
    /// Names the signing key; set by `sign`.
    public var keyID: String
    /// Unpadded base64url Ed25519 signature; empty until signed.
    public var signature: String

    public init(
        tenantID: String, offboardedAt: Date, leasesRevoked: Int, leasesNotRevoked: Int, firstAuditSequence: Int,
        lastAuditSequence: Int, dataKeyDestroyed: Bool, reason: String, requestedBy: String
    ) {
        self.version = Self.currentVersion
        self.tenantID = tenantID
        self.offboardedAt = Date(timeIntervalSince1970: offboardedAt.timeIntervalSince1970.rounded(.down))
        self.leasesRevoked = leasesRevoked
        self.leasesNotRevoked = leasesNotRevoked
        self.firstAuditSequence = firstAuditSequence
        self.lastAuditSequence = lastAuditSequence
        self.dataKeyDestroyed = dataKeyDestroyed
        self.reason = reason
        self.requestedBy = requestedBy
        self.keyID = ""
        self.signature = ""
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case version
        case tenantID = "tenant_id"
        case offboardedAt = "offboarded_at"
        case leasesRevoked = "leases_revoked"
        case leasesNotRevoked = "leases_not_revoked"
        case firstAuditSequence = "first_audit_sequence"
        case lastAuditSequence = "last_audit_sequence"
        case dataKeyDestroyed = "data_key_destroyed"
        case reason
        case requestedBy = "requested_by"
        case keyID = "key_id"
        case signature
    }

    /// The bytes the signature covers: every field but `signature`, as canonical JSON.
    public var signedBytes: [UInt8] {
        let fields: [String: JSONValue] = [
            CodingKeys.version.rawValue: .number(Double(version)),
            CodingKeys.tenantID.rawValue: .string(tenantID),
            CodingKeys.offboardedAt.rawValue: .string(Self.format(offboardedAt)),
            CodingKeys.leasesRevoked.rawValue: .number(Double(leasesRevoked)),
            CodingKeys.leasesNotRevoked.rawValue: .number(Double(leasesNotRevoked)),
            CodingKeys.firstAuditSequence.rawValue: .number(Double(firstAuditSequence)),
            CodingKeys.lastAuditSequence.rawValue: .number(Double(lastAuditSequence)),
            CodingKeys.dataKeyDestroyed.rawValue: .bool(dataKeyDestroyed),
            CodingKeys.reason.rawValue: .string(reason),
            CodingKeys.requestedBy.rawValue: .string(requestedBy),
            CodingKeys.keyID.rawValue: .string(keyID),
        ]
        return AuditCanonicalJSON.encode(.object(fields))
    }

    /// Sets `keyID` and signs every other field with `keyPair`.
    public mutating func sign(with keyPair: Ed25519KeyPair, keyID: String) {
        self.keyID = keyID
        signature = Base64URL.encode(keyPair.sign(signedBytes))
    }

    /// Succeeds only when `signature` was made by `publicKey` over exactly these fields.
    public func verify(publicKey: Ed25519PublicKey) throws(LessorError) {
        guard version == Self.currentVersion else {
            throw LessorError(
                .signatureInvalid, "certificate version \(version) is not supported (expected \(Self.currentVersion))")
        }
        guard !signature.isEmpty else {
            throw LessorError(.signatureInvalid, "the certificate of tenant \(tenantID) is not signed")
        }
        guard let bytes = Base64URL.decode(signature), bytes.count == 64 else {
            throw LessorError(.signatureInvalid, "the certificate's signature is not 64 bytes of unpadded base64url")
        }
        guard publicKey.isValidSignature(bytes, for: signedBytes) else {
            throw LessorError(
                .signatureInvalid,
                "the certificate of tenant \(tenantID) does not verify with this public key: a field was changed after signing, or it was signed by another key (key_id \(keyID))"
            )
        }
    }

    /// The file form: pretty-printed JSON with sorted snake_case keys and a final newline.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return Array(try encoder.encode(self)) + [UInt8(ascii: "\n")]
        } catch {
            preconditionFailure("a deletion certificate always encodes: \(error)")
        }
    }

    /// Parses the file form. Unknown or missing fields are refused, so nothing unsigned can ride
    /// along with a valid signature.
    public init(json bytes: [UInt8], source: String) throws(LessorError) {
        guard let object = (try? JSONParser.parse(bytes))?.objectValue else {
            throw LessorError(.requestInvalid, "\(source): not a deletion certificate (one JSON object expected)")
        }
        let expected = Set(CodingKeys.allCases.map(\.rawValue))
        if let unknown = object.keys.sorted().first(where: { !expected.contains($0) }) {
            throw LessorError(
                .requestInvalid, "\(source): unknown field '\(unknown.prefix(64))' in a deletion certificate")
        }
        if let missing = CodingKeys.allCases.map(\.rawValue).first(where: { object[$0] == nil }) {
            throw LessorError(.requestInvalid, "\(source): the deletion certificate has no \(missing)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            self = try decoder.decode(Self.self, from: Data(bytes))
        } catch {
            throw LessorError(.requestInvalid, "\(source): a deletion certificate field has the wrong type or format")
        }
    }

    /// Reads a certificate file.
    public static func read(path: String) throws(LessorError) -> DeletionCertificate {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LessorError(.requestInvalid, "cannot read the deletion certificate \(path)")
        }
        return try DeletionCertificate(json: Array(data), source: path)
    }

    private static func format(_ date: Date) -> String { date.formatted(.iso8601) }
}

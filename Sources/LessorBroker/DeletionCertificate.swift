public import Foundation
public import LessorCore
public import LessorCrypto

/// The signed evidence that a tenant was offboarded: what was revoked, what could not be, the
/// audit records that tell the story, and whether the tenant's data key is gone. The signature is
/// Ed25519 over the canonical JSON (sorted keys, no white space) of every other field, so anyone
/// with the broker's public key can check it offline (`lessor tenant verify-certificate`).
///
/// Version 2 adds what the engines' offboarding hooks did and which of them failed. Version 1
/// certificates (without those fields) still read and verify; a version 1 certificate carrying
/// them is refused, since its signature would not cover them.
public struct DeletionCertificate: Sendable, Hashable, Codable {
    /// The format `init` writes.
    public static let currentVersion = 2
    /// The formats `verify` accepts.
    public static let supportedVersions = 1...2

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
    /// What the engines did beyond revoking leases (`aws_revoked_sessions_roles`: the role ARNs
    /// that now deny every session issued before offboarding). Version 2.
    public var engineActions: [String: String]
    /// The engines whose offboarding hook failed (version 2): what they should have cut off may
    /// still work upstream until it expires.
    public var engineFailures: [String]
    /// Names the signing key; set by `sign`.
    public var keyID: String
    /// Unpadded base64url Ed25519 signature; empty until signed.
    public var signature: String

    public init(
        tenantID: String, offboardedAt: Date, leasesRevoked: Int, leasesNotRevoked: Int, firstAuditSequence: Int,
        lastAuditSequence: Int, dataKeyDestroyed: Bool, reason: String, requestedBy: String,
        engineActions: [String: String] = [:], engineFailures: [String] = []
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
        self.engineActions = engineActions
        self.engineFailures = engineFailures.sorted()
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
        case engineActions = "engine_actions"
        case engineFailures = "engine_failures"
        case keyID = "key_id"
        case signature

        /// The fields version 1 lacks.
        static let sinceVersion2: Set<Self> = [.engineActions, .engineFailures]
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(Int.self, forKey: .version)
        tenantID = try container.decode(String.self, forKey: .tenantID)
        offboardedAt = try container.decode(Date.self, forKey: .offboardedAt)
        leasesRevoked = try container.decode(Int.self, forKey: .leasesRevoked)
        leasesNotRevoked = try container.decode(Int.self, forKey: .leasesNotRevoked)
        firstAuditSequence = try container.decode(Int.self, forKey: .firstAuditSequence)
        lastAuditSequence = try container.decode(Int.self, forKey: .lastAuditSequence)
        dataKeyDestroyed = try container.decode(Bool.self, forKey: .dataKeyDestroyed)
        reason = try container.decode(String.self, forKey: .reason)
        requestedBy = try container.decode(String.self, forKey: .requestedBy)
        engineActions = try container.decodeIfPresent([String: String].self, forKey: .engineActions) ?? [:]
        engineFailures = try container.decodeIfPresent([String].self, forKey: .engineFailures) ?? []
        keyID = try container.decode(String.self, forKey: .keyID)
        signature = try container.decode(String.self, forKey: .signature)
    }

    /// Version 1 is written without the fields it lacks, so it reads back as it was signed.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version, forKey: .version)
        try container.encode(tenantID, forKey: .tenantID)
        try container.encode(offboardedAt, forKey: .offboardedAt)
        try container.encode(leasesRevoked, forKey: .leasesRevoked)
        try container.encode(leasesNotRevoked, forKey: .leasesNotRevoked)
        try container.encode(firstAuditSequence, forKey: .firstAuditSequence)
        try container.encode(lastAuditSequence, forKey: .lastAuditSequence)
        try container.encode(dataKeyDestroyed, forKey: .dataKeyDestroyed)
        try container.encode(reason, forKey: .reason)
        try container.encode(requestedBy, forKey: .requestedBy)
        if version >= 2 {
            try container.encode(engineActions, forKey: .engineActions)
            try container.encode(engineFailures, forKey: .engineFailures)
        }
        try container.encode(keyID, forKey: .keyID)
        try container.encode(signature, forKey: .signature)
    }

    /// The fields a certificate of `version` holds.
    private static func fields(ofVersion version: Int) -> [CodingKeys] {
        CodingKeys.allCases.filter { version >= 2 || !CodingKeys.sinceVersion2.contains($0) }
    }

    /// The bytes the signature covers: every field of the certificate's version but `signature`,
    /// as canonical JSON.
    public var signedBytes: [UInt8] {
        var fields: [String: JSONValue] = [
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
        if version >= 2 {
            fields[CodingKeys.engineActions.rawValue] = .object(engineActions.mapValues { .string($0) })
            fields[CodingKeys.engineFailures.rawValue] = .array(engineFailures.map { .string($0) })
        }
        return AuditCanonicalJSON.encode(.object(fields))
    }

    /// Sets `keyID` and signs every other field with `keyPair`.
    public mutating func sign(with keyPair: Ed25519KeyPair, keyID: String) {
        self.keyID = keyID
        signature = Base64URL.encode(keyPair.sign(signedBytes))
    }

    /// Succeeds only when `signature` was made by `publicKey` over exactly these fields.
    public func verify(publicKey: Ed25519PublicKey) throws(LessorError) {
        guard Self.supportedVersions.contains(version) else {
            throw LessorError(
                .signatureInvalid,
                "certificate version \(version) is not supported (expected \(Self.supportedVersions.lowerBound) to \(Self.supportedVersions.upperBound))"
            )
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
        guard case .number(let number)? = object[CodingKeys.version.rawValue], let version = Int(exactly: number),
            Self.supportedVersions.contains(version)
        else {
            throw LessorError(
                .requestInvalid,
                "\(source): not a deletion certificate of version \(Self.supportedVersions.lowerBound) to \(Self.supportedVersions.upperBound)"
            )
        }
        let expected = Self.fields(ofVersion: version).map(\.rawValue)
        if let unknown = object.keys.sorted().first(where: { !expected.contains($0) }) {
            throw LessorError(
                .requestInvalid,
                "\(source): unknown field '\(unknown.prefix(64))' in a deletion certificate of version \(version)")
        }
        if let missing = expected.first(where: { object[$0] == nil }) {
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

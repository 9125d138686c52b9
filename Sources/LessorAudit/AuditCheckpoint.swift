import LessorCore
import LessorCrypto

/// What a checkpoint signs, and how tenant chain heads enter the signature.
///
/// A checkpoint at sequence `s` vouches for every record before it. Its Ed25519 signature covers
/// `lessor-audit-checkpoint-v1\n` followed by the canonical JSON of `seq` (`s`), `prev_hash`
/// (the hash of record `s - 1`, so the whole chain up to it), `time`, `key_id` and `heads_root`.
///
/// `heads_root` commits to every tenant's chain head at that moment without naming any tenant:
/// each tenant appears under its label (a keyed hash of its id, see `AuditFieldHasher`), and its
/// head `(tenant_seq, hash)` only through `leaf = SHA-256("lessor-audit-tenant-head-v1\n" seq "\n" hash)`.
/// `heads_root = SHA-256("lessor-audit-tenant-heads-v1\n" ‖ "label:leaf\n" for each label in
/// byte order)`. A tenant export ships, per checkpoint, the list of `(label, leaf)` pairs and its
/// own head in clear: the verifier recomputes its own leaf, finds it under its label, recomputes
/// the root and checks the signature. Other tenants show only as opaque labels and leaves, which
/// reveal neither their ids nor their activity; their number is all an export discloses. A head
/// hash is the hash of a record that names its tenant, so no head can stand for another tenant's.
enum AuditCheckpoint {
    static let signatureDomain = "lessor-audit-checkpoint-v1\n"

    static func leaf(_ head: AuditRecord.TenantHead) -> String {
        Hex.lowercase(Digest.sha256(Array("lessor-audit-tenant-head-v1\n\(head.sequence)\n\(head.hash)".utf8)))
    }

    /// `pairs` are (label, leaf); their order does not matter.
    static func root(_ pairs: [(label: String, leaf: String)]) -> String {
        var text = Array("lessor-audit-tenant-heads-v1\n".utf8)
        for pair in pairs.sorted(by: { $0.label.utf8.lexicographicallyPrecedes($1.label.utf8) }) {
            text.append(contentsOf: pair.label.utf8)
            text.append(UInt8(ascii: ":"))
            text.append(contentsOf: pair.leaf.utf8)
            text.append(UInt8(ascii: "\n"))
        }
        return Hex.lowercase(Digest.sha256(text))
    }

    static func root(of heads: [String: AuditRecord.TenantHead]) -> String {
        root(heads.map { (label: $0.key, leaf: leaf($0.value)) })
    }

    static func message(sequence: Int, prevHash: String, time: String, keyID: String, headsRoot: String) -> [UInt8] {
        let object: JSONValue = .object([
            "seq": .number(Double(sequence)), "prev_hash": .string(prevHash), "time": .string(time),
            "key_id": .string(keyID), "heads_root": .string(headsRoot),
        ])
        return Array(signatureDomain.utf8) + AuditCanonicalJSON.encode(object)
    }

    /// Fills in `keyID`, `tenantHeads` and `signature` of a checkpoint record.
    static func sign(_ record: inout AuditRecord, heads: [String: AuditRecord.TenantHead], key: AuditSigningKey) {
        record.keyID = key.keyID
        record.tenantHeads = heads
        let message = message(
            sequence: record.sequence, prevHash: record.prevHash, time: record.time, keyID: key.keyID,
            headsRoot: root(of: heads))
        record.signature = Base64URL.encode(key.sign(message))
    }

    /// True when the signature is valid for `key` and the key ids agree.
    static func isValid(
        sequence: Int, prevHash: String, time: String, keyID: String?, headsRoot: String, signature: String?,
        key: AuditPublicKey
    ) -> Bool {
        guard keyID == key.keyID, let signature, let bytes = Base64URL.decode(signature) else { return false }
        let message = message(
            sequence: sequence, prevHash: prevHash, time: time, keyID: key.keyID, headsRoot: headsRoot)
        return key.key.isValidSignature(bytes, for: message)
    }

    static func isValid(_ record: AuditRecord, key: AuditPublicKey) -> Bool {
        guard let heads = record.tenantHeads else { return false }
        return isValid(
            sequence: record.sequence, prevHash: record.prevHash, time: record.time, keyID: record.keyID,
            headsRoot: root(of: heads), signature: record.signature, key: key)
    }
}

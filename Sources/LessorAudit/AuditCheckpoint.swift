import LessorCore
import LessorCrypto

/// What a checkpoint signs, and how tenant chain heads enter the signature.
///
/// A checkpoint at sequence `s` vouches for every record before it. Its Ed25519 signature covers
/// `lessor-audit-checkpoint-v2\n` followed by the canonical JSON of `seq` (`s`), `prev_hash`
/// (the hash of record `s - 1`, so the whole chain up to it), `time`, `key_id` and `heads_root`.
///
/// `heads_root` is the root of an `AuditHeadsTree` over every tenant's chain head at that moment
/// `(tenant_seq, hash)`, keyed by tenant label and drawn with the checkpoint's own `heads_seed`.
/// The log's checkpoint record lists the heads and the seed, so whoever verifies the whole log
/// rebuilds the tree; a tenant export carries only that tenant's head and its inclusion proof.
/// A head hash is the hash of a record that names its tenant, so no head can stand for another's.
enum AuditCheckpoint {
    static let signatureDomain = "lessor-audit-checkpoint-v2\n"

    static func message(sequence: Int, prevHash: String, time: String, keyID: String, headsRoot: String) -> [UInt8] {
        let object: JSONValue = .object([
            "seq": .number(Double(sequence)), "prev_hash": .string(prevHash), "time": .string(time),
            "key_id": .string(keyID), "heads_root": .string(headsRoot),
        ])
        return Array(signatureDomain.utf8) + AuditCanonicalJSON.encode(object)
    }

    /// Fills in `keyID`, `tenantHeads`, `headsSeed` and `signature` of a checkpoint record.
    static func sign(
        _ record: inout AuditRecord, heads: [String: AuditRecord.TenantHead], key: AuditSigningKey,
        seed: String = AuditHeadsTree.newSeed()
    ) {
        record.keyID = key.keyID
        record.tenantHeads = heads
        record.headsSeed = seed
        let message = message(
            sequence: record.sequence, prevHash: record.prevHash, time: record.time, keyID: key.keyID,
            headsRoot: AuditHeadsTree(heads: heads, seed: seed).root)
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
        guard let heads = record.tenantHeads, let seed = record.headsSeed else { return false }
        return isValid(
            sequence: record.sequence, prevHash: record.prevHash, time: record.time, keyID: record.keyID,
            headsRoot: AuditHeadsTree(heads: heads, seed: seed).root, signature: record.signature, key: key)
    }
}

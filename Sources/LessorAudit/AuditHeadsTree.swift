import LessorCore
import LessorCrypto

/// The Merkle tree through which a checkpoint commits to every tenant's chain head, built so that
/// one tenant can prove its own head against the signed root and learn nothing of the others.
///
/// Each checkpoint draws a fresh random `seed` (kept in the log's checkpoint record, never in an
/// export). From it and a tenant's label (a keyed hash of its id, see `AuditFieldHasher`):
/// - `salt = SHA-256("lessor-audit-heads-salt-v2\n" seed "\n" label)`, hex;
/// - the tenant's leaf `SHA-256(0x00 "lessor-audit-tenant-head-v2\n" label "\n" seq "\n" hash "\n" salt)`;
/// - its slot: leaves are ordered by `SHA-256("lessor-audit-heads-slot-v2\n" seed "\n" label)`.
///
/// The tree is padded to a power of two, at least `minimumWidth`, with filler leaves
/// `SHA-256(0x00 "lessor-audit-heads-filler-v2\n" seed "\n" i)` ordered among the tenants by
/// `SHA-256("lessor-audit-heads-slot-v2\n" seed "\nfiller\n" i)`. Inner nodes are
/// `SHA-256(0x01 left right)` over the children's 32 bytes.
///
/// What a proof (slot, salt and the sibling hashes from leaf to root) discloses: the width of the
/// tree, so at most that there are no more tenants than it, and nothing else. Siblings are
/// opaque: without the seed no leaf can be tied to a label or told from a filler, and since every
/// checkpoint has its own seed, every sibling changes at every checkpoint, whether or not the
/// tenant behind it was active.
struct AuditHeadsTree {
    static let minimumWidth = 64

    struct Proof: Sendable, Hashable {
        let salt: String
        let slot: Int
        /// From the leaf's sibling up to the root's children, as hex.
        let siblings: [String]
    }

    let root: String
    private let levels: [[[UInt8]]]
    private let slots: [String: Int]
    private let seed: String

    init(heads: [String: AuditRecord.TenantHead], seed: String) {
        self.seed = seed
        var width = Self.minimumWidth
        while width < heads.count { width *= 2 }
        var entries: [(key: [UInt8], leaf: [UInt8], label: String?)] = []
        entries.reserveCapacity(width)
        for (label, head) in heads {
            entries.append(
                (
                    Self.slotKey(seed: seed, label: label),
                    Self.leaf(label: label, head: head, salt: Self.salt(seed, label)),
                    label
                ))
        }
        for filler in 0..<(width - heads.count) {
            entries.append(
                (
                    Digest.sha256(Array("lessor-audit-heads-slot-v2\n\(seed)\nfiller\n\(filler)".utf8)),
                    Digest.sha256([0] + Array("lessor-audit-heads-filler-v2\n\(seed)\n\(filler)".utf8)), nil
                ))
        }
        entries.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var slots: [String: Int] = [:]
        for (slot, entry) in entries.enumerated() {
            if let label = entry.label { slots[label] = slot }
        }
        var levels = [entries.map(\.leaf)]
        while levels[levels.count - 1].count > 1 {
            let below = levels[levels.count - 1]
            levels.append(stride(from: 0, to: below.count, by: 2).map { Self.node(below[$0], below[$0 + 1]) })
        }
        self.levels = levels
        self.slots = slots
        root = Hex.lowercase(levels[levels.count - 1][0])
    }

    /// The proof for `label`'s head; nil when the tree holds no head of that label.
    func proof(for label: String) -> Proof? {
        guard var index = slots[label] else { return nil }
        let slot = index
        var siblings: [String] = []
        for level in levels.dropLast() {
            siblings.append(Hex.lowercase(level[index ^ 1]))
            index /= 2
        }
        return Proof(salt: Self.salt(seed, label), slot: slot, siblings: siblings)
    }

    /// The root that `proof` leads to from `label`'s `head`; nil when the proof is malformed
    /// (a slot outside the tree, a sibling that is not 32 bytes, or a narrower tree than any
    /// checkpoint builds).
    static func root(label: String, head: AuditRecord.TenantHead, proof: Proof) -> String? {
        let depth = proof.siblings.count
        guard depth >= 6, depth <= 40, proof.slot >= 0, proof.slot < 1 << depth,
            AuditRecord.isHexHash(proof.salt)
        else { return nil }
        var node = leaf(label: label, head: head, salt: proof.salt)
        var index = proof.slot
        for sibling in proof.siblings {
            guard AuditRecord.isHexHash(sibling), let bytes = Hex.decode(sibling) else { return nil }
            node = index & 1 == 0 ? Self.node(node, bytes) : Self.node(bytes, node)
            index /= 2
        }
        return Hex.lowercase(node)
    }

    /// A new random seed, as 64 hex digits.
    static func newSeed() -> String { Hex.lowercase(SecureRandom.bytes(count: 32)) }

    private static func salt(_ seed: String, _ label: String) -> String {
        Hex.lowercase(Digest.sha256(Array("lessor-audit-heads-salt-v2\n\(seed)\n\(label)".utf8)))
    }

    private static func slotKey(seed: String, label: String) -> [UInt8] {
        Digest.sha256(Array("lessor-audit-heads-slot-v2\n\(seed)\n\(label)".utf8))
    }

    private static func leaf(label: String, head: AuditRecord.TenantHead, salt: String) -> [UInt8] {
        Digest.sha256(
            [0] + Array("lessor-audit-tenant-head-v2\n\(label)\n\(head.sequence)\n\(head.hash)\n\(salt)".utf8))
    }

    private static func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [1]
        bytes.reserveCapacity(65)
        bytes.append(contentsOf: left)
        bytes.append(contentsOf: right)
        return Digest.sha256(bytes)
    }
}

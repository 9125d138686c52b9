import LessorCore
import LessorCrypto

/// Seals a record straight from its fields into the bytes of a batch. The members are written in
/// the byte order of their names, the order `AuditCanonicalJSON` sorts `record.json()` into, so
/// the line is byte for byte the canonical JSON of the record; no dictionary is built. The hash
/// covers the line without its `hash` member, which is then put in its place.
enum AuditRecordEncoder {
    /// Appends the sealed line of `record` (newline included) to `out` and sets `record.hash`.
    static func seal(_ record: inout AuditRecord, into out: inout [UInt8]) {
        let start = out.count
        var members = Members()
        out.append(UInt8(ascii: "{"))
        if let binding = record.binding { members.string("binding", binding, to: &out) }
        if let decision = record.decision { members.string("decision", decision.rawValue, to: &out) }
        if !record.details.isEmpty {
            members.name("details", to: &out)
            out.append(UInt8(ascii: "{"))
            var details = Members()
            for key in AuditCanonicalJSON.sortedKeys(record.details) {
                details.string(key, record.details[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        members.string("event", record.event.rawValue, to: &out)
        if case .global(let name) = record.scope { members.string("global_scope", name, to: &out) }
        // Every record has `event`, so `hash` is never the first member.
        let hashOffset = out.count
        if let headsSeed = record.headsSeed { members.string("heads_seed", headsSeed, to: &out) }
        if let keyID = record.keyID { members.string("key_id", keyID, to: &out) }
        if let leaseID = record.leaseID { members.string("lease_id", leaseID, to: &out) }
        if let path = record.path { members.string("path", path, to: &out) }
        if let policyCommit = record.policyCommit { members.string("policy_commit", policyCommit, to: &out) }
        if let policyDigest = record.policyDigest { members.string("policy_digest", policyDigest, to: &out) }
        members.string("prev_hash", record.prevHash, to: &out)
        if let reason = record.reason { members.string("reason", reason, to: &out) }
        if let requestID = record.requestID { members.string("request_id", requestID, to: &out) }
        members.name("seq", to: &out)
        AuditCanonicalJSON.appendInteger(record.sequence, to: &out)
        if let signature = record.signature { members.string("signature", signature, to: &out) }
        if let subject = record.subject {
            members.name("subject", to: &out)
            out.append(UInt8(ascii: "{"))
            var fields = Members()
            fields.string("iss", subject.issuer, to: &out)
            fields.string("sub", subject.subject, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        if let tenantHeads = record.tenantHeads {
            members.name("tenant_heads", to: &out)
            AuditCanonicalJSON.append(
                .object(
                    tenantHeads.mapValues { .object(["seq": .number(Double($0.sequence)), "hash": .string($0.hash)]) }
                ),
                to: &out)
        }
        if case .tenant(let id) = record.scope { members.string("tenant_id", id, to: &out) }
        if let tenantPrevHash = record.tenantPrevHash {
            members.string("tenant_prev_hash", tenantPrevHash, to: &out)
        }
        if let tenantSequence = record.tenantSequence {
            members.name("tenant_seq", to: &out)
            AuditCanonicalJSON.appendInteger(tenantSequence, to: &out)
        }
        members.string("time", record.time, to: &out)
        if let tokenID = record.tokenID { members.string("token_id", tokenID, to: &out) }
        if let ttlSeconds = record.ttlSeconds {
            members.name("ttl", to: &out)
            AuditCanonicalJSON.appendInteger(ttlSeconds, to: &out)
        }
        out.append(UInt8(ascii: "}"))

        let hash = out.withUnsafeBufferPointer { bytes in
            Hex.lowercase(Digest.sha256(UnsafeBufferPointer(rebasing: bytes[start...])))
        }
        record.hash = hash
        var member: [UInt8] = Array(#","hash":""#.utf8)
        member.append(contentsOf: hash.utf8)
        member.append(UInt8(ascii: "\""))
        out.insert(contentsOf: member, at: hashOffset)
        out.append(UInt8(ascii: "\n"))
    }

    /// Writes the commas between the members of one object.
    private struct Members {
        private var first = true

        mutating func name(_ name: StaticString, to out: inout [UInt8]) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            out.append(contentsOf: #"":"#.utf8)
        }

        mutating func string(_ name: StaticString, _ value: String, to out: inout [UInt8]) {
            self.name(name, to: &out)
            AuditCanonicalJSON.appendString(value, to: &out)
        }

        mutating func string(_ name: String, _ value: String, to out: inout [UInt8]) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            AuditCanonicalJSON.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            AuditCanonicalJSON.appendString(value, to: &out)
        }
    }
}

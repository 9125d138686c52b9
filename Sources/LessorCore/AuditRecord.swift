/// One line of the audit log, as written and as read back. `hash` is the SHA-256 of the
/// canonical JSON of every other member; `prevHash` links to the record before it in the log,
/// and `tenantSequence`/`tenantPrevHash` link a tenant's records into a chain of their own, so
/// one tenant's records can be checked without any other tenant's.
///
/// Checkpoint records (event `checkpoint`, global scope `audit`) also carry `keyID`,
/// `signature`, `tenantHeads` and `headsSeed`: the signed state of the log when it was written.
public struct AuditRecord: Sendable, Hashable {
    /// A tenant's chain head: its last record's tenant sequence and hash.
    public struct TenantHead: Sendable, Hashable {
        public let sequence: Int
        public let hash: String
        public init(sequence: Int, hash: String) {
            self.sequence = sequence
            self.hash = hash
        }
    }

    /// The `prev_hash` of the first record of a log and the `tenant_prev_hash` of a tenant's first record.
    public static let zeroHash = String(repeating: "0", count: 64)
    /// The global scope of records the audit log writes about itself.
    public static let logScope = "audit"

    public var sequence: Int
    public var time: String
    public var event: AuditEvent
    public var scope: AuditScope
    public var requestID: String?
    public var subject: AuditEntry.Subject?
    public var binding: String?
    public var path: String?
    /// Keyed hash of the lease id (`mac:` + hex).
    public var leaseID: String?
    /// Keyed hash of the token id (`mac:` + hex).
    public var tokenID: String?
    public var ttlSeconds: Int?
    public var decision: AuditEntry.Decision?
    public var reason: String?
    public var policyDigest: String?
    public var policyCommit: String?
    public var details: [String: String]
    public var tenantSequence: Int?
    public var tenantPrevHash: String?
    public var prevHash: String
    public var hash: String?
    public var keyID: String?
    public var signature: String?
    /// Keyed by tenant label (a keyed hash of the tenant id), never by the id itself.
    public var tenantHeads: [String: TenantHead]?
    /// The checkpoint's random seed for the Merkle tree over `tenantHeads` (64 hex digits);
    /// absent from checkpoints written before the tree (their heads are committed as a list).
    public var headsSeed: String?

    public init(sequence: Int, time: String, event: AuditEvent, scope: AuditScope, prevHash: String) {
        self.sequence = sequence
        self.time = time
        self.event = event
        self.scope = scope
        self.prevHash = prevHash
        self.details = [:]
    }

    public var tenantID: String? { scope.tenantID }
    public var isCheckpoint: Bool { event == .checkpoint }

    /// The record as a JSON object; without `hash` when `includingHash` is false (the hashed form).
    public func json(includingHash: Bool = true) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "seq": .number(Double(sequence)),
            "time": .string(time),
            "event": .string(event.rawValue),
            "prev_hash": .string(prevHash),
        ]
        switch scope {
        case .tenant(let id): object["tenant_id"] = .string(id)
        case .global(let name): object["global_scope"] = .string(name)
        }
        if let subject {
            object["subject"] = .object(["iss": .string(subject.issuer), "sub": .string(subject.subject)])
        }
        let strings: [(String, String?)] = [
            ("request_id", requestID), ("binding", binding), ("path", path), ("lease_id", leaseID),
            ("token_id", tokenID), ("decision", decision?.rawValue), ("reason", reason),
            ("policy_digest", policyDigest), ("policy_commit", policyCommit),
            ("tenant_prev_hash", tenantPrevHash), ("key_id", keyID), ("signature", signature),
            ("heads_seed", headsSeed),
        ]
        for case (let key, let value?) in strings { object[key] = .string(value) }
        if let ttlSeconds { object["ttl"] = .number(Double(ttlSeconds)) }
        if let tenantSequence { object["tenant_seq"] = .number(Double(tenantSequence)) }
        if !details.isEmpty { object["details"] = .object(details.mapValues { .string($0) }) }
        if let tenantHeads {
            object["tenant_heads"] = .object(
                tenantHeads.mapValues { .object(["seq": .number(Double($0.sequence)), "hash": .string($0.hash)]) })
        }
        if includingHash, let hash { object["hash"] = .string(hash) }
        return object
    }

    /// Reads a record from a parsed line; throws `auditInvalid` naming the first member at fault.
    public init(json object: [String: JSONValue]) throws(LessorError) {
        func fail(_ what: String) -> LessorError { LessorError(.auditInvalid, "audit record: \(what)") }
        func string(_ key: String) throws(LessorError) -> String? {
            guard let value = object[key] else { return nil }
            guard let text = value.stringValue else { throw fail("'\(key)' must be a string") }
            return text
        }
        func integer(_ key: String) throws(LessorError) -> Int? {
            guard let value = object[key] else { return nil }
            guard let number = value.numberValue, number == number.rounded(), number >= 0, number < 9e15 else {
                throw fail("'\(key)' must be a non-negative integer")
            }
            return Int(number)
        }
        func hexHash(_ key: String) throws(LessorError) -> String? {
            guard let text = try string(key) else { return nil }
            guard Self.isHexHash(text) else { throw fail("'\(key)' must be 64 lowercase hex digits") }
            return text
        }

        guard let sequence = try integer("seq"), sequence >= 1 else { throw fail("'seq' is missing") }
        guard let time = try string("time"), AuditTimestamp.parse(time) != nil else {
            throw fail("'time' is missing or not a UTC timestamp")
        }
        guard let eventName = try string("event") else { throw fail("'event' is missing") }
        guard let prevHash = try hexHash("prev_hash") else { throw fail("'prev_hash' is missing") }
        let scope: AuditScope
        switch (try string("tenant_id"), try string("global_scope")) {
        case (let tenant?, nil): scope = .tenant(tenant)
        case (nil, let global?): scope = .global(global)
        default: throw fail("exactly one of 'tenant_id' and 'global_scope' is required")
        }
        self.init(sequence: sequence, time: time, event: try AuditEvent(eventName), scope: scope, prevHash: prevHash)
        requestID = try string("request_id")
        if let value = object["subject"] {
            guard let subjectObject = value.objectValue, let issuer = subjectObject["iss"]?.stringValue,
                let sub = subjectObject["sub"]?.stringValue
            else { throw fail("'subject' must be {\"iss\": …, \"sub\": …}") }
            subject = AuditEntry.Subject(issuer: issuer, subject: sub)
        }
        binding = try string("binding")
        path = try string("path")
        leaseID = try string("lease_id")
        tokenID = try string("token_id")
        ttlSeconds = try integer("ttl")
        if let text = try string("decision") {
            guard let value = AuditEntry.Decision(rawValue: text) else {
                throw fail("'decision' must be allow or deny")
            }
            decision = value
        }
        reason = try string("reason")
        policyDigest = try string("policy_digest")
        policyCommit = try string("policy_commit")
        if let value = object["details"] {
            guard let members = value.objectValue else { throw fail("'details' must be an object") }
            for (key, member) in members {
                guard let text = member.stringValue else { throw fail("'details.\(key)' must be a string") }
                details[key] = text
            }
        }
        tenantSequence = try integer("tenant_seq")
        tenantPrevHash = try hexHash("tenant_prev_hash")
        if scope.tenantID != nil, tenantSequence == nil || tenantPrevHash == nil {
            throw fail("a tenant record needs 'tenant_seq' and 'tenant_prev_hash'")
        }
        hash = try hexHash("hash")
        keyID = try string("key_id")
        signature = try string("signature")
        headsSeed = try hexHash("heads_seed")
        if let value = object["tenant_heads"] {
            guard let members = value.objectValue else { throw fail("'tenant_heads' must be an object") }
            var heads: [String: TenantHead] = [:]
            for (label, member) in members {
                guard let head = member.objectValue, let sequence = head["seq"]?.numberValue,
                    sequence == sequence.rounded(), sequence >= 1, let hash = head["hash"]?.stringValue,
                    Self.isHexHash(hash)
                else { throw fail("'tenant_heads.\(label.prefix(16))' must be {\"seq\": n, \"hash\": hex}") }
                heads[label] = TenantHead(sequence: Int(sequence), hash: hash)
            }
            tenantHeads = heads
        }
        if event == .checkpoint, keyID == nil || signature == nil || tenantHeads == nil || headsSeed == nil {
            throw fail("a checkpoint needs 'key_id', 'signature', 'tenant_heads' and 'heads_seed'")
        }
    }

    public static func isHexHash(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
    }
}

/// The public members of an RFC 7517 JSON Web Key. Unknown members are ignored when decoding;
/// private members are not kept, only noted in `containsPrivateMembers`.
public struct JSONWebKey: Sendable, Hashable, Codable {
    public var kty: String
    public var kid: String?
    public var alg: String?
    public var use: String?
    public var keyOps: [String]?
    public var crv: String?
    public var n: String?
    public var e: String?
    public var x: String?
    public var y: String?
    /// True when the decoded JSON carried a private or symmetric member (`d`, `p`, `q`, `dp`,
    /// `dq`, `qi`, `oth`, `k`). Never encoded.
    public var containsPrivateMembers: Bool

    public init(
        kty: String, kid: String? = nil, alg: String? = nil, use: String? = nil,
        keyOps: [String]? = nil, crv: String? = nil, n: String? = nil, e: String? = nil,
        x: String? = nil, y: String? = nil
    ) {
        self.kty = kty
        self.kid = kid
        self.alg = alg
        self.use = use
        self.keyOps = keyOps
        self.crv = crv
        self.n = n
        self.e = e
        self.x = x
        self.y = y
        self.containsPrivateMembers = false
    }

    private static let privateMemberNames: Set<String> = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]

    private enum CodingKeys: String, CodingKey {
        case kty, kid, alg, use, crv, n, e, x, y
        case keyOps = "key_ops"
    }

    private struct MemberName: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kty = try container.decode(String.self, forKey: .kty)
        kid = try container.decodeIfPresent(String.self, forKey: .kid)
        alg = try container.decodeIfPresent(String.self, forKey: .alg)
        use = try container.decodeIfPresent(String.self, forKey: .use)
        keyOps = try container.decodeIfPresent([String].self, forKey: .keyOps)
        crv = try container.decodeIfPresent(String.self, forKey: .crv)
        n = try container.decodeIfPresent(String.self, forKey: .n)
        e = try container.decodeIfPresent(String.self, forKey: .e)
        x = try container.decodeIfPresent(String.self, forKey: .x)
        y = try container.decodeIfPresent(String.self, forKey: .y)
        let members = try decoder.container(keyedBy: MemberName.self)
        containsPrivateMembers = members.allKeys.contains { Self.privateMemberNames.contains($0.stringValue) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kty, forKey: .kty)
        try container.encodeIfPresent(kid, forKey: .kid)
        try container.encodeIfPresent(alg, forKey: .alg)
        try container.encodeIfPresent(use, forKey: .use)
        try container.encodeIfPresent(keyOps, forKey: .keyOps)
        try container.encodeIfPresent(crv, forKey: .crv)
        try container.encodeIfPresent(n, forKey: .n)
        try container.encodeIfPresent(e, forKey: .e)
        try container.encodeIfPresent(x, forKey: .x)
        try container.encodeIfPresent(y, forKey: .y)
    }
}

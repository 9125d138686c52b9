/// Finds the bindings that could match an identity without scanning them all: per issuer, the
/// bindings that pin one claim to literal values are looked up by that claim's value; only the rest
/// are scanned. The same buckets bound the pairwise overlap check at load.
struct BindingIndex: Sendable {
    struct IssuerIndex: Sendable {
        var key: ClaimPath?
        var byValue: [String: [Int]] = [:]
        var unindexed: [Int] = []
    }

    private(set) var issuers: [String: IssuerIndex] = [:]

    init(_ bindings: [RoleBinding]) {
        let byIssuer = Dictionary(grouping: bindings.indices, by: { bindings[$0].issuer })
        for (issuer, members) in byIssuer {
            var counts: [ClaimPath: Int] = [:]
            for member in members {
                for (claim, globs) in bindings[member].boundClaims where globs.allSatisfy({ $0.literal != nil }) {
                    counts[claim, default: 0] += 1
                }
            }
            var index = IssuerIndex()
            index.key = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
            for member in members {
                if let key = index.key, let globs = bindings[member].boundClaims[key],
                    globs.allSatisfy({ $0.literal != nil })
                {
                    for glob in globs { index.byValue[glob.pattern, default: []].append(member) }
                } else {
                    index.unindexed.append(member)
                }
            }
            issuers[issuer] = index
        }
    }

    /// Indices of bindings that may match; each still has to be checked with `matches`.
    func candidates(for identity: VerifiedIdentity) -> [Int] {
        guard let index = issuers[identity.issuer] else { return [] }
        guard let key = index.key else { return index.unindexed }
        var result = index.unindexed
        for value in key.values(in: identity.claims) {
            if let found = index.byValue[value] { result.append(contentsOf: found) }
        }
        return result
    }

    /// Pairs of bindings that share an issuer and could both match one identity on the indexed
    /// claim; only these need the full overlap test.
    func overlapCandidates() -> [(Int, Int)] {
        var pairs: [(Int, Int)] = []
        for index in issuers.values {
            let buckets = index.byValue.values
            for bucket in buckets {
                for i in 0..<bucket.count {
                    for j in (i + 1)..<bucket.count { pairs.append((bucket[i], bucket[j])) }
                }
            }
            let indexed = Set(buckets.joined())
            for (position, loose) in index.unindexed.enumerated() {
                for other in index.unindexed[(position + 1)...] { pairs.append((loose, other)) }
                for other in indexed { pairs.append((loose, other)) }
            }
        }
        return pairs
    }
}

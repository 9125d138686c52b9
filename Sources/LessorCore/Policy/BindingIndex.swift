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
    /// Each index appears once, even when several of the identity's values (an array claim) select one binding.
    func candidates(for identity: VerifiedIdentity) -> [Int] {
        guard let index = issuers[identity.issuer] else { return [] }
        guard let key = index.key else { return index.unindexed }
        var result = index.unindexed
        for value in key.values(in: identity.claims) {
            for found in index.byValue[value] ?? [] where !result.contains(found) { result.append(found) }
        }
        return result
    }

    /// Pairs of bindings that share an issuer and could both match one identity on the indexed
    /// claim; only these need the full overlap test. Each pair appears once, lower index first, and never a binding
    /// with itself (one that lists a literal twice, or shares several literals with another, lands in a bucket twice).
    func overlapCandidates() -> [(Int, Int)] {
        var pairs: Set<[Int]> = []
        for index in issuers.values {
            let buckets = index.byValue.values
            for bucket in buckets {
                for i in 0..<bucket.count {
                    for j in (i + 1)..<bucket.count where bucket[i] != bucket[j] {
                        pairs.insert([min(bucket[i], bucket[j]), max(bucket[i], bucket[j])])
                    }
                }
            }
            let indexed = Set(buckets.joined())
            for (position, loose) in index.unindexed.enumerated() {
                for other in index.unindexed[(position + 1)...] {
                    pairs.insert([min(loose, other), max(loose, other)])
                }
                for other in indexed { pairs.insert([min(loose, other), max(loose, other)]) }
            }
        }
        return pairs.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.map { ($0[0], $0[1]) }
    }
}

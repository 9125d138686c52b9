import Foundation
import LessorCore
import Testing

/// SplitMix64: a tiny, fast, seedable generator, so every property run is reproducible from its seed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random string of `length` characters drawn from `alphabet`.
    mutating func string(from alphabet: [Character], length: ClosedRange<Int>) -> String {
        let count = Int.random(in: length, using: &self)
        return String((0..<count).map { _ in alphabet.randomElement(using: &self)! })
    }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
}

/// The obvious matcher, as a reference: `*` matches any run of characters (none included), all else itself.
private func referenceMatch(_ pattern: Substring, _ value: Substring) -> Bool {
    guard let head = pattern.first else { return value.isEmpty }
    if head == "*" {
        return referenceMatch(pattern.dropFirst(), value)
            || (!value.isEmpty && referenceMatch(pattern, value.dropFirst()))
    }
    return value.first == head && referenceMatch(pattern.dropFirst(), value.dropFirst())
}

/// Every string over `alphabet` with at most `length` characters.
private func allStrings(over alphabet: [Character], upTo length: Int) -> [String] {
    var result = [""]
    var frontier = [""]
    for _ in 0..<length {
        frontier = frontier.flatMap { prefix in alphabet.map { prefix + String($0) } }
        result += frontier
    }
    return result
}

@Suite("Glob semantics, proven against reference implementations")
struct GlobPropertyTests {
    @Test("ClaimGlob.matches agrees with a reference matcher on random patterns and values", arguments: [1, 2, 3])
    func claimGlobMatchesReference(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let patternAlphabet: [Character] = ["a", "b", "/", ":", "*"]
        let valueAlphabet: [Character] = ["a", "b", "/", ":"]
        var matched = 0
        for _ in 0..<3000 {
            let pattern = random.string(from: patternAlphabet, length: 0...7)
            let value = random.string(from: valueAlphabet, length: 0...8)
            let expected = referenceMatch(Substring(pattern), Substring(value))
            #expect(ClaimGlob(pattern).matches(value) == expected, "'\(pattern)' vs '\(value)'")
            if expected { matched += 1 }
        }
        #expect(matched > 100)  // the generator exercises matches, not only mismatches
    }

    @Test("ClaimGlob examples: '*' spans '/' and ':' in claims, and a literal matches only itself")
    func claimGlobExamples() {
        #expect(ClaimGlob("system:serviceaccount:tenant-*:app-*").matches("system:serviceaccount:tenant-acme:app-web"))
        #expect(ClaimGlob("repo:acme/*").matches("repo:acme/app:ref:refs/heads/main"))
        #expect(!ClaimGlob("tenant-*").matches("tenant"))
        #expect(ClaimGlob("tenant-*").matches("tenant-"))
        #expect(ClaimGlob("a*a").matches("a") == false)
        #expect(ClaimGlob("a*a").matches("aa"))
        #expect(ClaimGlob("tenant-acme").literal == "tenant-acme")
        #expect(ClaimGlob("tenant-*").literal == nil)
    }

    /// Exactness of the brute force: if some value matches two `*` globs, a shortest such value has each character
    /// matched by a literal of at least one pattern (a character both patterns absorb into a `*` can be deleted and
    /// both still match). So it is at most `literals(a) + literals(b)` long and uses only the patterns' literal
    /// characters. Searching every string over {a, b} up to that length therefore decides intersection exactly.
    @Test("ClaimGlob.intersects is true exactly when some value matches both", arguments: [11, 12, 13])
    func claimGlobIntersectsBruteForce(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let alphabet: [Character] = ["a", "b"]
        let universe = allStrings(over: alphabet, upTo: 8)
        var intersecting = 0
        for _ in 0..<1500 {
            let a = random.string(from: alphabet + ["*", "*"], length: 0...5)
            let b = random.string(from: alphabet + ["*", "*"], length: 0...5)
            let bound = a.filter { $0 != "*" }.count + b.filter { $0 != "*" }.count
            let witness = universe.first { value in
                value.count <= bound && referenceMatch(Substring(a), Substring(value))
                    && referenceMatch(Substring(b), Substring(value))
            }
            let claimed = ClaimGlob(a).intersects(ClaimGlob(b))
            #expect(claimed == (witness != nil), "'\(a)' ∩ '\(b)': witness \(witness ?? "none")")
            #expect(ClaimGlob(b).intersects(ClaimGlob(a)) == claimed, "symmetry of '\(a)' and '\(b)'")
            if claimed { intersecting += 1 }
        }
        #expect(intersecting > 150 && intersecting < 1350)  // both answers are exercised
    }

    @Test("A path segment wildcard never crosses '/'; '**' matches one or more trailing segments", arguments: [21, 22])
    func pathPatternMatchesReference(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let identity = VerifiedIdentity(
            issuer: "https://idp.example", subject: "s", audiences: [], expiresAt: Date(timeIntervalSince1970: 0),
            issuedAt: nil, notBefore: nil, tokenID: nil, keyID: nil, algorithm: "ES256", kubernetes: nil, claims: [:])
        var matched = 0
        var crossing = 0
        for _ in 0..<3000 {
            let prefixCount = Int.random(in: 1...3, using: &random)
            // A segment that is exactly `**` is the rest wildcard, which may only come last: keep it out of the prefix.
            var patternSegments = (0..<prefixCount).map { _ in random.string(from: ["a", "b", "*"], length: 1...3) }
                .map { $0 == "**" ? "a*" : $0 }
            let rest = random.chance(0.3)
            if rest { patternSegments.append("**") }
            let pattern = try PathPattern.parse(patternSegments.joined(separator: "/"), global: false).get()
            let pathSegments = (0..<Int.random(in: 1...5, using: &random)).map { _ in
                random.string(from: ["a", "b"], length: 1...3)
            }
            let path = try RequestPath(pathSegments.joined(separator: "/"))

            let fixed = Array(patternSegments.prefix(prefixCount))
            let countFits = rest ? pathSegments.count > prefixCount : pathSegments.count == prefixCount
            let expected =
                countFits
                && zip(fixed, pathSegments).allSatisfy { referenceMatch(Substring($0), Substring($1)) }
            #expect(pattern.matches(path, identity: identity) == expected, "\(pattern) vs \(path)")
            if expected { matched += 1 }
            // Had '*' been allowed to cross '/', the whole-path reference would match where segments do not.
            let wholePath = referenceMatch(Substring(fixed.joined(separator: "/")), Substring(path.description))
            if !rest, wholePath, !expected { crossing += 1 }
        }
        #expect(matched > 100)
        #expect(crossing > 10)  // cases where a '/'-crossing wildcard would have matched were exercised
    }

    @Test("Path pattern examples from the policy documentation")
    func pathPatternExamples() throws {
        let identity = VerifiedIdentity(
            issuer: "https://idp.example", subject: "s", audiences: [], expiresAt: Date(timeIntervalSince1970: 0),
            issuedAt: nil, notBefore: nil, tokenID: nil, keyID: nil, algorithm: "ES256", kubernetes: nil, claims: [:])
        func matches(_ pattern: String, _ path: String) throws -> Bool {
            try PathPattern.parse(pattern, global: false).get().matches(try RequestPath(path), identity: identity)
        }
        #expect(try matches("aws/roles/app-*", "aws/roles/app-web"))
        #expect(try !matches("aws/roles/app-*", "aws/roles/app-web/x"))
        #expect(try !matches("aws/*", "aws/roles/deployer"))
        #expect(try !matches("aws/**", "aws"))
        #expect(try matches("aws/**", "aws/roles"))
        #expect(try matches("aws/**", "aws/roles/deployer"))
        #expect(try !matches("aws/roles", "aws/roles/deployer"))
        for invalid in [
            "**", "**/aws", "aws/**/x", "/aws", "aws/", "aws//x", "aws/../x", "aws/./x", "aws/{{identity.pod}}",
        ] {
            #expect(throws: PolicyPathError.self, "\(invalid)") { try PathPattern.parse(invalid, global: false).get() }
        }
    }
}

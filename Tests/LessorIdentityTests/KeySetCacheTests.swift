import Foundation
import LessorCore
import LessorCrypto
import LessorIdentity
import LessorTestSupport
import Logging
import Testing

@Suite("JWKS cache: rotation, refetch limits, IdP outages")
struct KeySetCacheTests {
    let clock = TestClock()

    @Test("A new kid is accepted after exactly one refetch")
    func rotationAddsKey() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock)
            _ = try await verifier.verify(try issuer.mint())
            #expect(issuer.hits() == 1)
            let rotated = try issuer.addKey(.rs256)
            _ = try await verifier.verify(try issuer.mint(key: rotated))
            #expect(issuer.hits() == 2)
            _ = try await verifier.verify(try issuer.mint(key: rotated))
            #expect(issuer.hits() == 2)
        }
    }

    @Test("A removed kid is refused once the keys are refreshed")
    func rotationRemovesKey() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock)
            let old = issuer.key(.rs256)
            let token = try issuer.mint(key: old)
            _ = try await verifier.verify(token)
            issuer.removeKey(id: old.id)
            for cache in verifier.keySets { await cache.refresh() }
            #expect(await failureCode { _ = try await verifier.verify(token) } == .keyUnknown)
        }
    }

    @Test("A flood of unknown-kid tokens causes at most one refetch per interval")
    func unknownKeyFloodIsRateLimited() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock) { $0.cache.unknownKeyRefetchInterval = .seconds(30) }
            _ = try await verifier.verify(try issuer.mint())
            #expect(issuer.hits() == 1)
            let forged = try (0..<50).map { try issuer.mint(header: ["kid": .string("forged-\($0)")]) }
            let codes = await withTaskGroup(of: LessorError.Code?.self) { group in
                for token in forged { group.addTask { await failureCode { _ = try await verifier.verify(token) } } }
                return await group.reduce(into: [LessorError.Code?]()) { $0.append($1) }
            }
            #expect(codes.allSatisfy { $0 == .keyUnknown })
            #expect(issuer.hits() == 2)
            clock.advance(by: .seconds(10))
            _ = await failureCode { _ = try await verifier.verify(forged[0]) }
            #expect(issuer.hits() == 2)
            clock.advance(by: .seconds(21))
            _ = await failureCode { _ = try await verifier.verify(forged[1]) }
            #expect(issuer.hits() == 3)
        }
    }

    @Test("Concurrent misses for a newly rotated key share one fetch")
    func concurrentMissesShareOneFetch() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock)
            let rotated = try issuer.addKey(.es256)
            let tokens = try (0..<20).map { _ in try issuer.mint(key: rotated) }
            let verified = await withTaskGroup(of: Bool.self) { group in
                for token in tokens { group.addTask { (try? await verifier.verify(token)) != nil } }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(verified == 20)
            #expect(issuer.hits() == 1)
        }
    }

    @Test("While the IdP is down cached keys serve until max staleness, then issuer_unavailable")
    func outageServesStaleKeysThenFailsClosed() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock) {
                $0.cache = .init(
                    defaultLifetime: .seconds(300), minLifetime: .seconds(60), maxLifetime: .seconds(600),
                    unknownKeyRefetchInterval: .seconds(30), maxStaleness: .seconds(3600), retryInterval: .seconds(15))
                $0.maxTokenAge = .seconds(86_400)
            }
            _ = try await verifier.verify(try issuer.mint())
            issuer.setMode(.failing(status: 503))
            clock.advance(by: .seconds(400))
            for cache in verifier.keySets { await cache.refreshIfDue() }
            _ = try await verifier.verify(try issuer.mint(["exp": .number(clock.now.timeIntervalSince1970 + 60_000)]))
            #expect(await verifier.status().first?.state == .stale)
            clock.advance(by: .seconds(3300))
            let late = try issuer.mint(["exp": .number(clock.now.timeIntervalSince1970 + 600)])
            #expect(await failureCode { _ = try await verifier.verify(late) } == .issuerUnavailable)
            #expect(await verifier.status().first?.state == .unavailable)
            issuer.setMode(.serving)
            clock.advance(by: .seconds(31))
            _ = try await verifier.verify(late)
            #expect(await verifier.status().first?.state == .fresh)
        }
    }

    @Test("An IdP that never loaded answers issuer_unavailable and is not hammered")
    func neverLoaded() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            issuer.setMode(.failing(status: 500))
            let verifier = try makeVerifier(issuer, clock: clock)
            let token = try issuer.mint()
            for _ in 0..<10 {
                #expect(await failureCode { _ = try await verifier.verify(token) } == .issuerUnavailable)
            }
            #expect(issuer.hits(TestIssuer.discoveryPath) == 1)
        }
    }

    @Test("A hanging IdP times out into issuer_unavailable")
    func hangingIdPTimesOut() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            issuer.setMode(.hanging(.seconds(5)))
            let verifier = try makeVerifier(issuer, clock: clock) {
                $0.fetch = .init(connectTimeout: .milliseconds(300), totalTimeout: .milliseconds(400))
            }
            let token = try issuer.mint()
            #expect(await failureCode { _ = try await verifier.verify(token) } == .issuerUnavailable)
            let status = try #require(await verifier.status().first)
            #expect(status.state == .notLoaded)
            #expect(status.lastError?.contains("timed out") == true)
        }
    }

    @Test("A discovery document naming another issuer is refused")
    func discoveryIssuerMismatch() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            issuer.setDiscoveryIssuer(issuer.url + "/other")
            let fetcher = RemoteKeySetFetcher(configuration: issuer.configuration())
            #expect(await failureCode { _ = try await fetcher.fetch() } == .issuerMismatch)
            let verifier = try makeVerifier(issuer, clock: clock)
            #expect(await failureCode { _ = try await verifier.verify(try issuer.mint()) } == .issuerUnavailable)
            #expect(issuer.hits() == 0)
        }
    }

    @Test("Cache-Control max-age is honoured within the configured bounds")
    func maxAgeIsClamped() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            issuer.setCacheControl("public, max-age=604800")
            let verifier = try makeVerifier(issuer, clock: clock)
            _ = try await verifier.verify(try issuer.mint())
            let status = try #require(await verifier.status().first)
            #expect(status.expiresAt == clock.now.addingTimeInterval(3600))
            issuer.setCacheControl("max-age=5")
            for cache in verifier.keySets { await cache.refresh() }
            #expect(await verifier.status().first?.expiresAt == clock.now.addingTimeInterval(60))
            issuer.setCacheControl("max-age=120")
            for cache in verifier.keySets { await cache.refresh() }
            #expect(await verifier.status().first?.expiresAt == clock.now.addingTimeInterval(120))
        }
    }

    @Test("Keys are refreshed in the background before they expire")
    func backgroundRefreshBeforeExpiry() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock)
            let cache = try #require(verifier.keySets.first)
            await cache.refreshIfDue()
            #expect(issuer.hits() == 1)
            clock.advance(by: .seconds(200))
            await cache.refreshIfDue()
            #expect(issuer.hits() == 1)
            clock.advance(by: .seconds(71))
            await cache.refreshIfDue()
            #expect(issuer.hits() == 2)
        }
    }

    @Test("An HTTPS issuer is trusted through its configured CA bundle, and only through it")
    func httpsIssuerWithCABundle() async throws {
        try await TestIssuer.with(tls: try DevelopmentCertificates.serverTLS(), clock: clock) { issuer in
            let verifier = try makeVerifier(issuer, clock: clock) { $0.caBundlePath = DevelopmentCertificates.caPath }
            #expect(try await verifier.verify(try issuer.mint()).issuer.hasPrefix("https://127.0.0.1:"))
            let untrusting = try makeVerifier(issuer, clock: clock)
            #expect(await failureCode { _ = try await untrusting.verify(try issuer.mint()) } == .issuerUnavailable)
        }
    }

    @Test("A static JWKS file serves air-gapped issuers")
    func staticJWKSFile() async throws {
        try await TestIssuer.with(clock: clock) { issuer in
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json")
                .path
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(FileManager.default.createFile(atPath: path, contents: try JSONEncoder().encode(issuer.jwks())))
            let verifier = try makeVerifier(issuer, clock: clock) { $0.keySource = .staticFile(path) }
            _ = try await verifier.verify(try issuer.mint(key: issuer.key(.edDSA)))
            #expect(issuer.hits() == 0)
            #expect(issuer.hits(TestIssuer.discoveryPath) == 0)
        }
    }
}

@Suite("JWKS documents")
struct KeySetDocumentTests {
    @Test("Malformed and unusable entries are skipped and reported; the good keys are kept")
    func badEntriesAreSkipped() throws {
        let good = try SigningKey.generateEC(.p256).publicJWK(keyID: "good", algorithm: .es256)
        let goodJSON = String(decoding: try JSONEncoder().encode(good), as: UTF8.self)
        let document = """
            {"keys": [
              {"kty": "RSA", "kid": "ops-as-string", "key_ops": "verify", "n": "AQAB", "e": "AQAB"},
              {"kty": "oct", "kid": "symmetric", "k": "c2VjcmV0"},
              \(goodJSON)
            ]}
            """
        let set = try FetchedKeySet.parse(Array(document.utf8), maxAge: nil, source: "test")
        #expect(set.keys.map(\.keyID) == ["good"])
        #expect(set.rejected.count == 2)
        #expect(set.rejected.contains { $0.hasPrefix("key #0") })
        #expect(set.rejected.contains { $0.hasPrefix("key symmetric") })
    }

    @Test("A document with no usable key, or no keys member, is an outage, not an empty key set")
    func noUsableKey() {
        #expect(throws: LessorError(.issuerUnavailable, "")) {
            try FetchedKeySet.parse(
                Array(#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#.utf8), maxAge: nil, source: "t")
        }
        #expect(throws: LessorError(.issuerUnavailable, "")) {
            try FetchedKeySet.parse(Array(#"{"issuer": "x"}"#.utf8), maxAge: nil, source: "t")
        }
        #expect(throws: LessorError(.issuerUnavailable, "")) {
            try FetchedKeySet.parse(Array("not json".utf8), maxAge: nil, source: "t")
        }
    }
}

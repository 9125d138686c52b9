import Foundation
import LessorCore
import LessorCrypto
import LessorEngines
import LessorTestSupport
import Testing

@Suite("Token signing keyring")
struct TokenSigningKeyringTests {
    @Test func aRotatedKeyStaysPublishedUntilItsTokensHaveExpiredThenIsPruned() async throws {
        let fixture = try TokenFixture()
        let old = fixture.keyring.currentKey
        let lease = TokenFixture.lease(ttl: 900)
        let before = try await fixture.issue(lease)

        let rotatedAt = TokenFixture.start.addingTimeInterval(100)
        let new = try fixture.keyring.rotate(now: rotatedAt, maxTokenLifetime: .seconds(3600))
        #expect(new.keyID != old.keyID)
        #expect(fixture.keyring.currentKey == new)
        let retireAfter = rotatedAt.addingTimeInterval(3600)
        #expect(fixture.keyring.key(id: old.keyID)?.retireAfter == retireAfter)
        #expect(publishedIDs(fixture.engine) == [new.keyID, old.keyID])

        #expect(try fixture.engine.verify(before, now: TokenFixture.start.addingTimeInterval(800)).jti == lease.id)
        fixture.clock.advance(by: .seconds(200))
        let after = try await fixture.issue(TokenFixture.lease(id: "lease-0002", issuedAt: fixture.clock.now))
        #expect(try TokenFixture.decode(after).header["kid"] == .string(new.keyID))

        #expect(try fixture.keyring.prune(now: retireAfter.addingTimeInterval(-1)).isEmpty)
        #expect(publishedIDs(fixture.engine) == [new.keyID, old.keyID])
        #expect(try fixture.keyring.prune(now: retireAfter) == [old.keyID])
        #expect(publishedIDs(fixture.engine) == [new.keyID])
        #expect(!FileManager.default.fileExists(atPath: fixture.keyDirectory + "/\(old.keyID).json"))
        let code = await failureCode { _ = try fixture.engine.verify(before, now: TokenFixture.start) }
        #expect(code == .keyUnknown)
    }

    @Test func rotationPrunesKeysPastTheirRetirement() throws {
        let fixture = try TokenFixture()
        let first = fixture.keyring.currentKey
        let second = try fixture.keyring.rotate(now: TokenFixture.start, maxTokenLifetime: .seconds(60))
        let third = try fixture.keyring.rotate(
            now: TokenFixture.start.addingTimeInterval(61), maxTokenLifetime: .seconds(60))
        #expect(fixture.keyring.publishedKeys.map(\.keyID) == [third.keyID, second.keyID])
        #expect(fixture.keyring.key(id: first.keyID) == nil)
    }

    @Test func keysSurviveAReload() async throws {
        let fixture = try TokenFixture()
        let token = try await fixture.issue(TokenFixture.lease())
        try fixture.keyring.rotate(now: TokenFixture.start.addingTimeInterval(5), maxTokenLifetime: .seconds(3600))
        let published = fixture.keyring.publishedKeys

        let reopened = try TokenSigningKeyring(directory: fixture.keyDirectory, now: TokenFixture.start)
        #expect(reopened.publishedKeys == published)
        #expect(reopened.currentKey == fixture.keyring.currentKey)
        let engine = try TokenEngine(
            issuer: TokenFixture.issuer, keyring: reopened, maxTokenLifetime: .seconds(3600),
            clock: fixture.clock.wallClock)
        #expect(try engine.verify(token, now: TokenFixture.start.addingTimeInterval(10)).tenant == "acme")

        for key in published {
            let attributes = try FileManager.default.attributesOfItem(
                atPath: fixture.keyDirectory + "/\(key.keyID).json")
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
    }

    @Test func aLeftoverTemporaryFileIsRemovedOnOpen() throws {
        let fixture = try TokenFixture()
        let leftover = fixture.keyDirectory + "/.\(fixture.keyring.currentKey.keyID).json.tmp"
        #expect(FileManager.default.createFile(atPath: leftover, contents: Data("partial".utf8)))
        _ = try TokenSigningKeyring(directory: fixture.keyDirectory, now: TokenFixture.start)
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }

    @Test func malformedKeyFilesAreRefusedByName() throws {
        let valid = try TokenFixture()
        let keyID = valid.keyring.currentKey.keyID
        let original = try String(contentsOfFile: valid.keyDirectory + "/\(keyID).json", encoding: .utf8)
        let seed = Base64URL.encode([UInt8](repeating: 7, count: 32))
        let cases: [(name: String, content: String)] = [
            ("broken.json", "not json"),
            ("\(keyID).json", original.replacingOccurrences(of: "\"Ed25519\"", with: "\"RSA\"")),
            ("\(keyID).json", original.replacingOccurrences(of: "\"kid\":\"\(keyID)\"", with: "\"kid\":\"other\"")),
            ("\(keyID).json", original.replacingOccurrences(of: "\"created_at\"", with: "\"created\"")),
            ("renamed.json", original),
            (
                "\(keyID).json",
                "{\"algorithm\":\"Ed25519\",\"kid\":\"\(keyID)\",\"seed\":\"\(seed)\",\"public_key\":\"AAAA\",\"created_at\":\"2027-01-15T08:00:00Z\"}"
            ),
            (
                "\(keyID).json",
                "{\"algorithm\":\"Ed25519\",\"kid\":\"\(keyID)\",\"seed\":\"c2hvcnQ\",\"public_key\":\"AAAA\",\"created_at\":\"2027-01-15T08:00:00Z\"}"
            ),
        ]
        for (name, content) in cases {
            let directory = try TokenFixture.temporaryDirectory()
            let path = directory + "/" + name
            #expect(
                FileManager.default.createFile(
                    atPath: path, contents: Data(content.utf8), attributes: [.posixPermissions: 0o600]))
            do {
                _ = try TokenSigningKeyring(directory: directory, now: TokenFixture.start)
                Issue.record("\(name) with \(content.prefix(40)) was accepted")
            } catch {
                #expect(error.code == .keyInvalid)
                #expect(error.message.hasPrefix(path), "\(error.message)")
                #expect(!error.message.contains(seed))
            }
        }
    }

    @Test func aKeyFileOthersCanReadIsRefused() throws {
        let fixture = try TokenFixture()
        let path = fixture.keyDirectory + "/\(fixture.keyring.currentKey.keyID).json"
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        do {
            _ = try TokenSigningKeyring(directory: fixture.keyDirectory, now: TokenFixture.start)
            Issue.record("a 0644 key file was accepted")
        } catch {
            #expect(error.code == .configInvalid)
            #expect(error.message.contains(path))
        }
    }

    @Test func twoCurrentKeysAreRefused() throws {
        let first = try TokenFixture()
        let second = try TokenFixture()
        let name = "\(second.keyring.currentKey.keyID).json"
        try FileManager.default.copyItem(
            atPath: second.keyDirectory + "/" + name, toPath: first.keyDirectory + "/" + name)
        let code = thrownCode { _ = try TokenSigningKeyring(directory: first.keyDirectory, now: TokenFixture.start) }
        #expect(code == .configInvalid)
    }

    private func publishedIDs(_ engine: TokenEngine) -> [String] {
        guard case .array(let keys) = engine.jwks()["keys"] else { return [] }
        return keys.compactMap { $0["kid"]?.stringValue }
    }

    private func thrownCode(_ body: () throws -> Void) -> LessorError.Code? {
        do {
            try body()
            return nil
        } catch let error as LessorError {
            return error.code
        } catch {
            return .internalFailure
        }
    }
}

public import LessorCore
public import LessorCrypto

/// A key set as one fetch returned it.
public struct FetchedKeySet: Sendable {
    public let keys: [VerificationKey]
    /// `Cache-Control: max-age` when the source sent one.
    public let maxAge: Duration?
    /// Keys in the document that cannot be used, with why; logged, never fatal on their own.
    public let rejected: [String]

    public init(keys: [VerificationKey], maxAge: Duration?, rejected: [String]) {
        self.keys = keys
        self.maxAge = maxAge
        self.rejected = rejected
    }

    /// Turns a JWKS document into usable keys; a document with no usable key is an error.
    public static func parse(_ body: [UInt8], maxAge: Duration?, source: String) throws(LessorError) -> FetchedKeySet {
        let set: LenientKeySet
        do {
            set = try JSONDecoderBox.decode(LenientKeySet.self, from: body)
        } catch {
            throw LessorError(.issuerUnavailable, "\(source) did not return a JWKS document ({\"keys\": [...]})")
        }
        var keys: [VerificationKey] = []
        var rejected: [String] = []
        for (position, entry) in set.keys.enumerated() {
            guard let jwk = entry.jwk else {
                rejected.append("key #\(position): not a well-formed JWK")
                continue
            }
            do {
                keys.append(try VerificationKey(jwk: jwk))
            } catch {
                rejected.append("key \(jwk.kid ?? "#\(position)"): \(error.message)")
            }
        }
        guard !keys.isEmpty else {
            throw LessorError(.issuerUnavailable, "\(source) holds no usable key (\(rejected.joined(separator: "; ")))")
        }
        return FetchedKeySet(keys: keys, maxAge: maxAge, rejected: rejected)
    }
}

/// Where an issuer's keys come from: the IdP over HTTPS, or a file.
public protocol KeySetFetcher: Sendable {
    func fetch() async throws(LessorError) -> FetchedKeySet
}

/// A JWKS whose entries decode one by one, so one malformed key cannot hide the good ones.
private struct LenientKeySet: Decodable {
    struct Entry: Decodable {
        let jwk: JSONWebKey?
        init(from decoder: any Decoder) throws {
            jwk = try? JSONWebKey(from: decoder)
        }
    }
    let keys: [Entry]
}

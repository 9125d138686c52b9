import Foundation
public import LessorCore

/// Reads a JWKS document from disk, for issuers that cannot be reached (air-gapped clusters).
public struct StaticKeySetFetcher: KeySetFetcher {
    let path: String
    let issuer: String

    public init(path: String, issuer: String) {
        self.path = path
        self.issuer = issuer
    }

    public func fetch() async throws(LessorError) -> FetchedKeySet {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LessorError(.issuerUnavailable, "JWKS file \(path) for \(issuer) cannot be read")
        }
        return try FetchedKeySet.parse(Array(data), maxAge: nil, source: "JWKS file \(path)")
    }
}

public import LessorCore

/// The `Authorization` header of a SigV4-signed request:
/// `AWS4-HMAC-SHA256 Credential=<key id>/<scope>, SignedHeaders=<a;b;c>, Signature=<hex>`.
public struct SigV4Authorization: Sendable, Hashable {
    public var accessKeyID: String
    public var scope: SigV4Scope
    /// Lowercased header names, sorted.
    public var signedHeaders: [String]
    /// 64 lowercase hex digits.
    public var signature: String

    public init(accessKeyID: String, scope: SigV4Scope, signedHeaders: [String], signature: String) {
        self.accessKeyID = accessKeyID
        self.scope = scope
        self.signedHeaders = signedHeaders
        self.signature = signature
    }

    public var headerValue: String {
        "\(SigV4Signer.algorithm) Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signedHeaders.joined(separator: ";")), Signature=\(signature)"
    }

    /// Reads a header value. Components may come in any order, separated by `,` and optional
    /// spaces; each must appear exactly once. Errors are `.requestInvalid` and quote nothing but
    /// the access key id.
    public init(parsing header: String) throws(LessorError) {
        let prefix = SigV4Signer.algorithm + " "
        guard header.hasPrefix(prefix) else {
            throw LessorError(.requestInvalid, "the Authorization header is not AWS4-HMAC-SHA256")
        }
        var fields: [String: String] = [:]
        for part in header.dropFirst(prefix.count).split(separator: ",") {
            let item = part.trimmingBlanks()
            guard let equals = item.firstIndex(of: "=") else {
                throw LessorError(.requestInvalid, "the Authorization header has a component without '='")
            }
            let name = String(item[..<equals])
            guard ["Credential", "SignedHeaders", "Signature"].contains(name), fields[name] == nil else {
                throw LessorError(
                    .requestInvalid,
                    "the Authorization header has an unknown or repeated component '\(name.prefix(32))'")
            }
            fields[name] = String(item[item.index(after: equals)...])
        }
        guard let credential = fields["Credential"], let headers = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else {
            throw LessorError(
                .requestInvalid, "the Authorization header needs Credential, SignedHeaders and Signature")
        }
        let parts = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 5, !parts[0].isEmpty, parts[4] == "aws4_request", !parts[2].isEmpty, !parts[3].isEmpty,
            parts[1].utf8.count == 8, parts[1].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else {
            throw LessorError(
                .requestInvalid,
                "the Authorization Credential must be <access key id>/<YYYYMMDD>/<region>/<service>/aws4_request")
        }
        let names = headers.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard !names.contains(where: \.isEmpty), names == names.map({ $0.lowercased() }),
            names == names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }), Set(names).count == names.count
        else {
            throw LessorError(
                .requestInvalid, "the Authorization SignedHeaders must be lowercase names, sorted, separated by ';'")
        }
        guard signature.utf8.count == 64,
            signature.utf8.allSatisfy({
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            })
        else {
            throw LessorError(.requestInvalid, "the Authorization Signature must be 64 lowercase hex digits")
        }
        accessKeyID = parts[0]
        scope = SigV4Scope(date: parts[1], region: parts[2], service: parts[3])
        signedHeaders = names
        self.signature = signature
    }
}

extension Substring {
    fileprivate func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isBlank($0) }), let end = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return self[start...end]
    }
}

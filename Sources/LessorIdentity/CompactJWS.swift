import LessorCore
import LessorCrypto

/// A JWS in compact serialization, split and decoded but not yet trusted.
struct CompactJWS {
    let header: [String: JSONValue]
    let claims: [String: JSONValue]
    let algorithm: JWSAlgorithm
    let keyID: String?
    let signature: [UInt8]
    let bytes: [UInt8]
    /// `header.payload`, the bytes the signature covers.
    var signingInput: ArraySlice<UInt8> { bytes[0..<signingInputEnd] }
    private let signingInputEnd: Int

    /// Header members this verifier understands; anything listed in `crit` is refused regardless.
    private static let encryptionHeaders: Set<String> = ["enc", "zip"]

    init(_ token: String, maxBytes: Int) throws(LessorError) {
        let bytes = Array(token.utf8)
        guard bytes.count <= maxBytes else {
            throw LessorError(.tokenTooLarge, "the token is \(bytes.count) bytes; at most \(maxBytes) are accepted")
        }
        var dots: [Int] = []
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: ".") {
            dots.append(index)
            if dots.count > 4 { break }
        }
        if dots.count == 4 {
            throw LessorError(
                .tokenMalformed, "encrypted tokens (JWE) are not accepted; send a signed JWT (compact JWS)")
        }
        guard dots.count == 2 else {
            throw LessorError(.tokenMalformed, "a JWT has three base64url parts separated by '.'")
        }
        guard let headerBytes = Base64URL.decode(utf8: bytes[0..<dots[0]]) else {
            throw LessorError(.tokenMalformed, "the token header is not valid base64url")
        }
        guard let payloadBytes = Base64URL.decode(utf8: bytes[(dots[0] + 1)..<dots[1]]) else {
            throw LessorError(.tokenMalformed, "the token payload is not valid base64url")
        }
        guard let signature = Base64URL.decode(utf8: bytes[(dots[1] + 1)...]), !signature.isEmpty else {
            throw LessorError(.tokenMalformed, "the token signature is missing or not valid base64url")
        }
        guard case .object(let header) = try JSONParser.parse(headerBytes) else {
            throw LessorError(.tokenMalformed, "the token header is not a JSON object")
        }
        if header.keys.contains(where: Self.encryptionHeaders.contains) {
            throw LessorError(
                .tokenMalformed, "encrypted tokens (JWE) are not accepted; send a signed JWT (compact JWS)")
        }
        guard case .string(let name) = header["alg"] else {
            throw LessorError(.tokenMalformed, "the token header has no alg")
        }
        guard let algorithm = JWSAlgorithm(rawValue: name) else {
            throw LessorError(
                .algorithmNotAllowed,
                "alg '\(name.prefix(32))' is not accepted (unsecured and HMAC tokens never are); use an asymmetric algorithm"
            )
        }
        if header["crit"] != nil {
            throw LessorError(
                .unsupportedHeader, "the token header lists crit extensions, which Lessor does not process")
        }
        let keyID: String?
        switch header["kid"] {
        case nil: keyID = nil
        case .string(let value): keyID = value
        default: throw LessorError(.tokenMalformed, "the token header's kid is not a string")
        }
        guard case .object(let claims) = try JSONParser.parse(payloadBytes) else {
            throw LessorError(.tokenMalformed, "the token payload is not a JSON object")
        }
        self.header = header
        self.claims = claims
        self.algorithm = algorithm
        self.keyID = keyID
        self.signature = signature
        self.bytes = bytes
        self.signingInputEnd = dots[1]
    }
}

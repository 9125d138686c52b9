import Foundation
import LessorCore
import LessorCrypto
import LessorIdentity
import Logging

/// Verification throughput on one core: full token verification (split, base64url, JSON, issuer
/// and key lookup, signature, claims) beside the bare signature check on the same keys. The
/// run script pins this process and `openssl speed` to one core and prints them side by side.
let arguments = CommandLine.arguments
let seconds = arguments.firstIndex(of: "--seconds").flatMap { Double(arguments[$0 + 1]) } ?? 3

struct Case {
    let algorithm: JWSAlgorithm
    let key: SigningKey
}

func measure(seconds: Double, _ body: () async throws -> Void) async rethrows -> Double {
    var count = 0
    let start = ContinuousClock.now
    let limit = Duration.milliseconds(Int(seconds * 1000))
    while ContinuousClock.now - start < limit {
        for _ in 0..<64 { try await body() }
        count += 64
    }
    let elapsed = ContinuousClock.now - start
    return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

let cases = [
    Case(algorithm: .rs256, key: try SigningKey.generateRSA(bits: 2048)),
    Case(algorithm: .es256, key: try SigningKey.generateEC(.p256)),
    Case(algorithm: .edDSA, key: try SigningKey.generateEd25519()),
]
let issuer = "https://bench.lessor.invalid"
let jwks = JSONWebKeySet(
    keys: cases.map { $0.key.publicJWK(keyID: $0.algorithm.rawValue, algorithm: $0.algorithm) })
let jwksPath = FileManager.default.temporaryDirectory.appendingPathComponent("lessor-bench-jwks-\(getpid()).json").path
guard FileManager.default.createFile(atPath: jwksPath, contents: try JSONEncoder().encode(jwks)) else {
    fatalError("cannot write \(jwksPath)")
}
defer { try? FileManager.default.removeItem(atPath: jwksPath) }

var logger = Logger(label: "bench")
logger.logLevel = .critical
let verifier = try TokenVerifier(
    configurations: [
        IssuerConfiguration(
            issuer: issuer, keySource: .staticFile(jwksPath), audiences: ["lessor"],
            allowedAlgorithms: Set(JWSAlgorithm.allCases))
    ], logger: logger)

print("algorithm,full_verify_per_s,signature_only_per_s")
for benchCase in cases {
    let claims = TokenMinter.serviceAccountClaims(
        issuer: issuer, namespace: "tenant-acme", serviceAccount: "app", audiences: ["lessor"], now: Date())
    let token = try TokenMinter.sign(
        header: ["alg": .string(benchCase.algorithm.rawValue), "kid": .string(benchCase.algorithm.rawValue)],
        claims: claims, with: benchCase.key, algorithm: benchCase.algorithm)
    _ = try await verifier.verify(token)

    let full = try await measure(seconds: seconds) { _ = try await verifier.verify(token) }

    let publicKey = try VerificationKey(jwk: benchCase.key.publicJWK(keyID: nil, algorithm: benchCase.algorithm))
    let bytes = Array(token.utf8)
    let lastDot = bytes.lastIndex(of: UInt8(ascii: "."))!
    let signature = Base64URL.decode(utf8: bytes[(lastDot + 1)...])!
    let signingInput = bytes[0..<lastDot]
    let raw = await measure(seconds: seconds) {
        precondition(publicKey.verify(signature: signature, signingInput: signingInput, algorithm: benchCase.algorithm))
    }
    print("\(benchCase.algorithm.rawValue),\(Int(full)),\(Int(raw))")
}

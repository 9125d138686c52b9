import Foundation
import LessorCore
import LessorCrypto
import LessorIdentity
import Logging

/// Verification throughput on one core: full token verification (split, base64url, JSON, issuer
/// and key lookup, signature, claims) beside the bare signature check on the same keys.
enum VerifyBenchmark {
    struct Case {
        let algorithm: JWSAlgorithm
        let key: SigningKey
    }

    static func run(seconds: Double) async throws {
        let cases = [
            Case(algorithm: .rs256, key: try SigningKey.generateRSA(bits: 2048)),
            Case(algorithm: .es256, key: try SigningKey.generateEC(.p256)),
            Case(algorithm: .edDSA, key: try SigningKey.generateEd25519()),
        ]
        let issuer = "https://bench.lessor.invalid"
        let jwks = JSONWebKeySet(
            keys: cases.map { $0.key.publicJWK(keyID: $0.algorithm.rawValue, algorithm: $0.algorithm) })
        let jwksPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("lessor-bench-jwks-\(getpid()).json").path
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

            let publicKey = try VerificationKey(
                jwk: benchCase.key.publicJWK(keyID: nil, algorithm: benchCase.algorithm))
            let bytes = Array(token.utf8)
            let lastDot = bytes.lastIndex(of: UInt8(ascii: "."))!
            let signature = Base64URL.decode(utf8: bytes[(lastDot + 1)...])!
            let signingInput = bytes[0..<lastDot]
            let algorithm = benchCase.algorithm
            let (full, raw) = try await Throughput.compare(seconds: seconds) {
                _ = try await verifier.verify(token)
            } _: {
                precondition(publicKey.verify(signature: signature, signingInput: signingInput, algorithm: algorithm))
            }
            print("\(benchCase.algorithm.rawValue),\(Int(full)),\(Int(raw))")
        }
    }
}

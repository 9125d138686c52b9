import ArgumentParser
import Foundation
import LessorConfig
import LessorCore
import LessorCrypto
import LessorHTTP
import LessorIdentity

/// `lessor dev`: a broker on loopback with a built-in development issuer and development TLS, and a
/// sample token with the command that uses it. Nothing here is fit for production.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Run a development broker with a built-in issuer (never in production).")

    @Option(help: "Port on 127.0.0.1.")
    var port = 8200

    @Option(help: "Folder with the development CA and server certificate (ca.pem, server-chain.pem, server-key.pem).")
    var certs = "certs-dev"

    @Option(help: "Folder for development state (the sample token).")
    var dataDir = ".lessor/dev"

    func run() async throws {
        let certsDirectory = URL(fileURLWithPath: certs).standardizedFileURL.path
        let useTLS = FileManager.default.fileExists(atPath: "\(certsDirectory)/server-chain.pem")
        let scheme = useTLS ? "https" : "http"
        let issuerURL = "\(scheme)://127.0.0.1:\(port)\(DevelopmentIssuerController.pathPrefix)"

        let signingKey = try SigningKey.generateRSA(bits: 2048)
        let keyID = "dev-\(SecureRandom.identifier(byteCount: 6))"
        let jwks = JSONWebKeySet(keys: [signingKey.publicJWK(keyID: keyID, algorithm: .rs256)])

        var configuration = LessorConfiguration()
        configuration.server.port = port
        if useTLS {
            configuration.server.tlsCertificateChain = "\(certsDirectory)/server-chain.pem"
            configuration.server.tlsPrivateKey = "\(certsDirectory)/server-key.pem"
        }
        configuration.issuers = [
            IssuerConfiguration(
                issuer: issuerURL, caBundlePath: useTLS ? "\(certsDirectory)/ca.pem" : nil, audiences: ["lessor"],
                allowedAlgorithms: [.rs256], allowInsecureLoopback: !useTLS)
        ]
        let logger = BrokerRuntime.makeLogger(level: "info")
        let verifier = try BrokerRuntime.makeVerifier(configuration, logger: logger)

        let claims = TokenMinter.serviceAccountClaims(
            issuer: issuerURL, namespace: "tenant-acme", serviceAccount: "app", audiences: ["lessor"], now: Date())
        let token = try TokenMinter.sign(
            header: ["alg": .string("RS256"), "kid": .string(keyID)], claims: claims, with: signingKey,
            algorithm: .rs256)
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let tokenPath = "\(dataDir)/token"
        guard
            FileManager.default.createFile(
                atPath: tokenPath, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600])
        else { throw ValidationError("cannot write the sample token to \(tokenPath)") }

        let curlCA = useTLS ? "--cacert \(certsDirectory)/ca.pem " : ""
        let banner = """

            Lessor development broker — NOT FOR PRODUCTION
              listening:        \(scheme)://127.0.0.1:\(port)
              dev issuer:       \(issuerURL)   (audience "lessor", RS256)
              sample token:     \(tokenPath)   (system:serviceaccount:tenant-acme:app, valid 1 h)

            Ask the broker who the token says you are:
              curl -sS \(curlCA)-X POST -H "Authorization: Bearer $(cat \(tokenPath))" \(scheme)://127.0.0.1:\(port)/v1/whoami

            """
        try await BrokerRuntime.run(
            configuration, verifier: verifier, policies: nil, logger: logger,
            developmentIssuer: DevelopmentIssuerController(issuer: issuerURL, keys: jwks),
            onServerRunning: { _ in
                // The issuer is served by this very server: load its keys now that it listens, so the
                // first exchange does not meet the failed start-up fetch's retry interval.
                for cache in verifier.keySets { await cache.refresh() }
                print(banner)
            })
    }
}

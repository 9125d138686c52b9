import ArgumentParser
import Foundation
import LessorConfig
import LessorCore
import LessorCrypto
import LessorHTTP
import LessorIdentity

/// `lessor dev`: a whole broker on loopback — embedded SQLite store, file audit log, token engine,
/// the example policies plus bindings for a built-in development issuer, development TLS — and
/// sample tokens with the commands that use them. Nothing here is fit for production.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Run a development broker with a built-in issuer (never in production).")

    @Option(help: "Port on 127.0.0.1.")
    var port = 8200

    @Option(help: "Folder with the development CA and server certificate (ca.pem, server-chain.pem, server-key.pem).")
    var certs = "certs-dev"

    @Option(help: "Folder of the example policies to serve.")
    var policies = "policies"

    @Option(help: "Folder for development state: store, audit log, keys, sample tokens.")
    var dataDir = ".lessor/dev"

    @Option(help: "Revoke intents never answered after this many seconds (crash-recovery tests use a short one).")
    var pendingGraceSeconds = 120

    func run() async throws {
        let certsDirectory = URL(fileURLWithPath: certs).standardizedFileURL.path
        let dataDirectory = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        let useTLS = FileManager.default.fileExists(atPath: "\(certsDirectory)/server-chain.pem")
        let scheme = useTLS ? "https" : "http"
        let address = "\(scheme)://127.0.0.1:\(port)"
        let issuerURL = "\(address)\(DevelopmentIssuerController.pathPrefix)"

        let signingKey = try SigningKey.generateRSA(bits: 2048)
        let keyID = "dev-\(SecureRandom.identifier(byteCount: 6))"
        let jwks = JSONWebKeySet(keys: [signingKey.publicJWK(keyID: keyID, algorithm: .rs256)])

        var configuration = LessorConfiguration()
        configuration.server.port = port
        if useTLS {
            configuration.server.tlsCertificateChain = "\(certsDirectory)/server-chain.pem"
            configuration.server.tlsPrivateKey = "\(certsDirectory)/server-key.pem"
        } else {
            configuration.server.plainHTTPOnLoopback = true
        }
        configuration.issuers = [
            IssuerConfiguration(
                issuer: issuerURL, caBundlePath: useTLS ? "\(certsDirectory)/ca.pem" : nil, audiences: ["lessor"],
                allowedAlgorithms: [.rs256], allowInsecureLoopback: !useTLS)
        ]
        configuration.policiesDirectory = try DevelopmentPolicies.write(
            examples: policies, into: "\(dataDirectory)/policies", issuer: issuerURL)
        configuration.broker.dataDirectory = dataDirectory
        configuration.broker.pendingGrace = .seconds(pendingGraceSeconds)
        BrokerRuntime.bootstrapLogging(.text)
        let logger = BrokerRuntime.makeLogger(level: "info")
        let verifier = try BrokerRuntime.makeVerifier(configuration, logger: logger)
        let tls = try BrokerRuntime.servingCertificate(configuration)
        guard let policyStore = try BrokerRuntime.loadPolicies(configuration) else {
            throw ValidationError("the development policies did not load")
        }
        let assembly: BrokerAssembly
        do {
            assembly = try await BrokerAssembly.open(
                configuration, policies: policyStore, serverURL: address, logger: logger)
        } catch {
            throw error.exit
        }

        let sign = { (claims: [String: JSONValue]) throws -> String in
            try TokenMinter.sign(
                header: ["alg": .string("RS256"), "kid": .string(keyID)], claims: claims, with: signingKey,
                algorithm: .rs256)
        }
        let workload = try sign(
            TokenMinter.serviceAccountClaims(
                issuer: issuerURL, namespace: "tenant-acme", serviceAccount: "app", audiences: ["lessor"], now: Date()))
        let now = Date().timeIntervalSince1970.rounded(.down)
        let admin = try sign([
            "iss": .string(issuerURL), "sub": .string(DevelopmentPolicies.adminSubject), "aud": .string("lessor"),
            "iat": .number(now), "exp": .number(now + 3600),
        ])
        let tokenPath = try Self.writePrivate("\(dataDirectory)/token", workload)
        let adminPath = try Self.writePrivate("\(dataDirectory)/admin-token", admin)

        let curlCA = useTLS ? "--cacert \(certsDirectory)/ca.pem " : ""
        let lessor = CommandLine.arguments[0]
        let client = "--address \(address) \(useTLS ? "--cacert \(certsDirectory)/ca.pem " : "")"
        let banner = """

            Lessor development broker — NOT FOR PRODUCTION
              listening:        \(address)
              metrics:          \(address)/metrics   (Prometheus, unauthenticated)
              dev issuer:       \(issuerURL)   (audience "lessor", RS256)
              data:             \(dataDirectory)   (SQLite store, audit log, keys)
              policies:         \(configuration.policiesDirectory ?? "")   (the examples + dev bindings)
              audit public key: \(AuditKeyDirectory.publicKey(configuration.broker.resolvedAuditKeyDirectory))
              sample token:     \(tokenPath)   (system:serviceaccount:tenant-acme:app, valid 1 h)
              admin token:      \(adminPath)   (global admin, valid 1 h)

            Exchange the sample token for a broker-signed token under a lease:
              \(lessor) exchange \(client)--token-file \(tokenPath) --path token/audiences/app

            The same with curl:
              curl -sS \(curlCA)-X POST -H "Authorization: Bearer $(cat \(tokenPath))" \(address)/v1/creds/token/audiences/app

            Offboard tenant acme (revokes its leases, answers a signed deletion certificate):
              \(lessor) tenant offboard acme --reason "demo" \(client)--token-file \(adminPath)

            """
        try await BrokerRuntime.run(
            configuration, verifier: verifier, policies: policyStore, tls: tls, logger: logger,
            developmentIssuer: DevelopmentIssuerController(issuer: issuerURL, keys: jwks), assembly: assembly,
            onServerRunning: { _ in
                // The issuer is served by this very server, which accepts connections only once this
                // callback returns: load its keys from a task, then announce that the broker is ready.
                Task {
                    for cache in verifier.keySets { await Self.load(cache) }
                    FileHandle.standardOutput.write(Data((banner + "\n").utf8))
                }
            })
    }

    /// Fetches the issuer's keys, retrying for up to 10 s (a loaded machine may answer the first
    /// fetch late); says so on standard error if they still did not load, as tokens fail until then.
    static func load(_ cache: KeySetCache) async {
        for attempt in 1...20 {
            await cache.refresh()
            if await cache.status().state == .fresh { return }
            if attempt < 20 { try? await Task.sleep(for: .milliseconds(500)) }
        }
        let status = await cache.status()
        FileHandle.standardError.write(
            Data(
                "warning: the keys of \(status.issuer) did not load (\(status.lastError ?? "no answer")); exchanges fail until they do, see /v1/ready\n"
                    .utf8))
    }

    static func writePrivate(_ path: String, _ text: String) throws -> String {
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw ValidationError("cannot write \(path)") }
        return path
    }
}

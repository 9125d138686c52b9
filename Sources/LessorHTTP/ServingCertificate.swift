public import Foundation
public import LessorCore
import LessorCrypto
import NIOSSL
import Synchronization

/// The certificate chain and key that new TLS handshakes present. `reload()` reads the files
/// again and swaps them in only when they load, the key fits the certificate and the certificate
/// has not expired; otherwise the serving pair stays and the failure is kept for readiness.
/// Connections already open keep the certificate they started with.
public final class ServingCertificate: Sendable {
    public struct Status: Sendable {
        /// SHA-256 of the serving leaf certificate's DER, lowercase hex.
        public let fingerprint: String
        public let notValidAfter: Date
        public let loadedAt: Date
        /// The last refused reload, when it came after the last successful one.
        public let lastFailure: String?
        public let lastFailureAt: Date?
    }

    struct Material: Sendable {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        let fingerprint: String
        let notValidAfter: Date
    }

    private struct State: Sendable {
        var material: Material
        var loadedAt: Date
        var lastFailure: String?
        var lastFailureAt: Date?
    }

    public let files: BrokerServer.TLSFiles
    /// The CAs of `files.clientCAPath`, read once at start; nil without a client CA.
    let clientAuthorities: [NIOSSLCertificate]?
    private let state: Mutex<State>
    private let clock: WallClock

    /// Loads the files once; start-up stops when they do not load.
    public init(files: BrokerServer.TLSFiles, clock: WallClock = .system) throws(LessorError) {
        self.files = files
        self.clock = clock
        clientAuthorities = try files.clientCAPath.map { path throws(LessorError) in try Self.authorities(path) }
        state = Mutex(State(material: try Self.load(files, now: clock.now), loadedAt: clock.now))
    }

    static func authorities(_ path: String) throws(LessorError) -> [NIOSSLCertificate] {
        let authorities: [NIOSSLCertificate]
        do {
            authorities = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw LessorError(.configInvalid, "server.tls.client_ca: \(path) holds no PEM certificate")
        }
        guard !authorities.isEmpty else {
            throw LessorError(.configInvalid, "server.tls.client_ca: \(path) holds no certificate")
        }
        return authorities
    }

    var material: Material { state.withLock { $0.material } }

    /// Reads the files again. Returns the new status on success; a refusal is recorded and thrown.
    @discardableResult
    public func reload() throws(LessorError) -> Status {
        let now = clock.now
        do {
            let material = try Self.load(files, now: now)
            state.withLock {
                $0.material = material
                $0.loadedAt = now
                $0.lastFailure = nil
                $0.lastFailureAt = nil
            }
        } catch {
            state.withLock {
                $0.lastFailure = error.message
                $0.lastFailureAt = now
            }
            throw error
        }
        return status
    }

    public var status: Status {
        state.withLock {
            Status(
                fingerprint: $0.material.fingerprint, notValidAfter: $0.material.notValidAfter,
                loadedAt: $0.loadedAt, lastFailure: $0.lastFailure, lastFailureAt: $0.lastFailureAt)
        }
    }

    /// The override NIOSSL applies to each new handshake: the current chain and key.
    var handshakeOverride: NIOSSLContextConfigurationOverride {
        let current = material
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = current.chain.map { .certificate($0) }
        override.privateKey = .privateKey(current.key)
        return override
    }

    static func load(_ files: BrokerServer.TLSFiles, now: Date) throws(LessorError) -> Material {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificateChainPath)
        } catch {
            throw LessorError(
                .configInvalid, "server.tls.certificate_chain: \(files.certificateChainPath) holds no PEM certificate")
        }
        do {
            key = try NIOSSLPrivateKey(file: files.privateKeyPath, format: .pem)
        } catch {
            throw LessorError(
                .configInvalid, "server.tls.private_key: \(files.privateKeyPath) holds no PEM private key")
        }
        guard let leaf = chain.first else {
            throw LessorError(
                .configInvalid, "server.tls.certificate_chain: \(files.certificateChainPath) holds no certificate")
        }
        let notValidAfter = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        guard notValidAfter > now else {
            throw LessorError(
                .configInvalid,
                "server.tls.certificate_chain: the certificate expired at \(AuditTimestamp.format(notValidAfter))")
        }
        do {
            // Building a context checks that the key belongs to the leaf certificate.
            _ = try NIOSSLContext(
                configuration: .makeServerConfiguration(
                    certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
        } catch {
            throw LessorError(
                .configInvalid, "server.tls: the private key does not fit the certificate chain (\(error))")
        }
        let der: [UInt8]
        do {
            der = try leaf.toDERBytes()
        } catch {
            throw LessorError(.configInvalid, "server.tls.certificate_chain: the certificate cannot be encoded")
        }
        return Material(chain: chain, key: key, fingerprint: Digest.sha256Hex(der), notValidAfter: notValidAfter)
    }
}

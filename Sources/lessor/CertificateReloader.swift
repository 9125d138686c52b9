import LessorConfig
import LessorCore
import LessorHTTP
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the TLS certificate and key on SIGHUP (beside the policy reload the same signal
/// triggers) and when either file changes, checked every `interval` by `FileStamp`: the kubelet
/// updates a mounted Secret in place but sends no signal. New handshakes present the new pair; a
/// pair that does not load is refused, the old one keeps serving, and the failure is logged at
/// error level and shown in `/v1/ready`. A pair caught half-written is refused, and loaded at the
/// next check once both files are in place.
struct CertificateReloader: Service {
    let certificate: ServingCertificate
    let interval: Duration
    let logger: Logger
    /// Taken at construction, right after the serving pair was loaded.
    let initialStamps: [String?]

    init(certificate: ServingCertificate, interval: Duration, logger: Logger) {
        self.certificate = certificate
        self.interval = interval
        self.logger = logger
        initialStamps = Self.stamps(of: certificate.files)
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals.cancelOnGracefulShutdown() {
                    reload(because: "SIGHUP")
                }
            }
            group.addTask {
                var stamps = initialStamps
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    try await Task.sleep(for: interval)
                    let current = Self.stamps(of: certificate.files)
                    if current != stamps {
                        stamps = current
                        reload(because: "certificate files changed")
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    func reload(because trigger: String) {
        do {
            let status = try certificate.reload()
            logger.notice(
                "\(trigger): TLS certificate loaded",
                metadata: [
                    "fingerprint": "\(status.fingerprint)",
                    "certificate_chain": "\(certificate.files.certificateChainPath)",
                ])
        } catch {
            logger.error(
                "\(trigger): TLS certificate REFUSED; the previous certificate keeps serving",
                metadata: ["code": "\(error.code.rawValue)", "message": "\(error.message)"])
        }
    }

    static func stamps(of files: BrokerServer.TLSFiles) -> [String?] {
        [FileStamp.of(files.certificateChainPath), FileStamp.of(files.privateKeyPath)]
    }
}

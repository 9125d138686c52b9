import LessorCore
import LessorHTTP
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the TLS certificate and key on SIGHUP, beside the policy reload the same signal
/// triggers. New handshakes present the new pair; a pair that does not load is refused, the old
/// one keeps serving, and the failure is logged at error level and shown in `/v1/ready`.
struct CertificateReloader: Service {
    let certificate: ServingCertificate
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            reload()
        }
    }

    func reload() {
        do {
            let status = try certificate.reload()
            logger.notice(
                "SIGHUP: TLS certificate loaded",
                metadata: [
                    "fingerprint": "\(status.fingerprint)",
                    "certificate_chain": "\(certificate.files.certificateChainPath)",
                ])
        } catch {
            logger.error(
                "SIGHUP: TLS certificate REFUSED; the previous certificate keeps serving",
                metadata: ["code": "\(error.code.rawValue)", "message": "\(error.message)"])
        }
    }
}

import Foundation
import LessorAudit
import LessorCore
import LessorHTTP

/// What `/v1/ready` checks beyond issuers and policies: the lease store answers, and at least one
/// audit device records.
enum ReadinessChecks {
    static func store(_ store: any LeaseStore) -> BrokerRoutes.Check {
        BrokerRoutes.Check(name: "store") {
            do throws(LessorError) {
                let statistics = try await store.statistics(at: Date())
                let detail: [String: JSONValue] = [
                    "state": .string("ok"), "live_leases": .number(Double(statistics.live)),
                    "revocation_backlog": .number(Double(statistics.revocationBacklog)),
                    "irrevocable_leases": .number(Double(statistics.irrevocable)),
                ]
                return (true, .object(detail))
            } catch {
                return (false, .object(["state": .string("failed"), "error": .string(error.message)]))
            }
        }
    }

    static func audit(_ log: AuditLog) -> BrokerRoutes.Check {
        BrokerRoutes.Check(name: "audit") {
            let health = log.health()
            let devices: [JSONValue] = health.devices.map { device in
                let detail: [String: JSONValue] = [
                    "name": .string(device.name), "state": .string(device.state.rawValue),
                    "last_error": device.lastError.map { .string($0) } ?? .null,
                ]
                return .object(detail)
            }
            let detail: [String: JSONValue] = [
                "state": .string(health.isRecording ? "recording" : "failed"),
                "last_sequence": .number(Double(health.lastSequence)), "devices": .array(devices),
            ]
            return (health.isRecording, .object(detail))
        }
    }
}

extension ReadinessChecks {
    /// The serving certificate. A refused reload is shown but does not fail readiness: the
    /// previous certificate still serves.
    static func tls(_ certificate: ServingCertificate) -> BrokerRoutes.Check {
        BrokerRoutes.Check(name: "tls") {
            let status = certificate.status
            let detail: [String: JSONValue] = [
                "state": .string(status.lastFailure == nil ? "loaded" : "reload_refused"),
                "fingerprint_sha256": .string(status.fingerprint),
                "not_valid_after": .string(AuditTimestamp.format(status.notValidAfter)),
                "loaded_at": .string(AuditTimestamp.format(status.loadedAt)),
                "last_failure": status.lastFailure.map { .string($0) } ?? .null,
                "last_failure_at": status.lastFailureAt.map { .string(AuditTimestamp.format($0)) } ?? .null,
            ]
            return (true, .object(detail))
        }
    }
}

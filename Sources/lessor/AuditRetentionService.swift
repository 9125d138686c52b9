import Foundation
import LessorAudit
import LessorConfig
import LessorCore
import Logging
import ServiceLifecycle

/// Applies each tenant class's `audit_retention_days` to the file devices once an hour: whole
/// segments go once every record in them is past its tenant's retention. Tenants no longer
/// declared, and global records, keep the longest retention of any class.
struct AuditRetentionService: Service {
    let directories: [String]
    let policies: PolicyBundleStore
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let retention = Self.retention(policies.current)
            for directory in directories {
                do {
                    let removed = try retention.prune(directory: directory, now: Date())
                    if !removed.isEmpty {
                        logger.notice(
                            "audit segments past retention removed",
                            metadata: ["directory": "\(directory)", "segments": "\(removed.count)"])
                    }
                } catch {
                    logger.error(
                        "audit retention failed; segments are kept",
                        metadata: ["directory": "\(directory)", "code": "\(error.code)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
        }
    }

    static func retention(_ bundle: PolicyBundle) -> AuditRetention {
        let days = { (count: Int) in Duration.seconds(count * 86_400) }
        let longest = days(bundle.classes.values.map(\.auditRetentionDays).max() ?? 3650)
        var tenants: [String: Duration] = [:]
        for tenant in bundle.tenants.values {
            if let tenantClass = bundle.classes[tenant.className] {
                tenants[tenant.id] = days(tenantClass.auditRetentionDays)
            }
        }
        return AuditRetention(tenants: tenants, defaultTenant: longest, global: longest)
    }
}

import Foundation
import LessorAudit
import LessorBroker
import LessorCore
import LessorIdentity
import Prometheus

/// The server's Prometheus registry (one per assembly, never the global metrics system), the
/// broker's exchange metrics made through it, the audit log's batch histograms, and the gauges
/// read at scrape time: lease totals from the store, each issuer's key-set state and each audit
/// device's health. Labels name tenants, classes, engines, issuers and devices, never a token,
/// subject or lease.
struct ServerMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let broker: BrokerMetrics
    private let batchEntries: ValueHistogram
    private let batchWrite: DurationHistogram

    init(tenantLabelLimit: Int) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["lessor_exchange_duration_seconds"] = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        self.registry = registry
        broker = BrokerMetrics(factory: factory, tenantLabelLimit: tenantLabelLimit)
        batchEntries = registry.makeValueHistogram(
            descriptor: Self.name("lessor_audit_batch_entries", "Entries per audit group commit."), labels: [],
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024])
        batchWrite = registry.makeDurationHistogram(
            descriptor: Self.name(
                "lessor_audit_write_duration_seconds", "Time to write and sync one audit batch to every device."),
            labels: [],
            buckets: [
                .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
                .milliseconds(250), .seconds(1),
            ])
    }

    /// Records one durable audit batch (`AuditLogConfiguration.onBatch`).
    func record(_ batch: AuditBatch) {
        batchEntries.record(Double(batch.entries))
        batchWrite.record(batch.writeDuration)
    }

    /// Reads the scrape-time gauges, then renders every series in the text format (0.0.4).
    func render(store: any LeaseStore, verifier: TokenVerifier, audit: AuditLog) async -> [UInt8] {
        await refreshLeases(store)
        await refreshIssuers(verifier)
        refreshAudit(audit.health())
        return registry.emitToBuffer()
    }

    /// The store's lease totals; while the store does not answer, `lessor_store_up` is 0 and the
    /// totals are left out rather than shown stale.
    private func refreshLeases(_ store: any LeaseStore) async {
        let totals = [
            Self.name("lessor_live_leases", "Leases active and not expired."),
            Self.name("lessor_revocation_backlog", "Leases due for revocation whose engine has not revoked them yet."),
            Self.name("lessor_irrevocable_leases", "Leases whose revocation was given up after max_revoke_attempts."),
        ]
        let up = gauge(Self.name("lessor_store_up", "1 when the lease store answered this scrape."))
        do {
            let statistics = try await store.statistics(at: Date())
            let values = [statistics.live, statistics.revocationBacklog, statistics.irrevocable]
            for (descriptor, value) in zip(totals, values) { gauge(descriptor).set(to: Double(value)) }
            up.set(to: 1)
        } catch {
            for descriptor in totals { registry.unregisterGauge(gauge(descriptor)) }
            up.set(to: 0)
        }
    }

    /// One series per issuer and key-set state, 1 for the current state; the key count; the time
    /// of the last successful fetch; whether the last fetch failed.
    private func refreshIssuers(_ verifier: TokenVerifier) async {
        let state = Self.name(
            "lessor_issuer_keys_state", "Key-set state of each trusted issuer: 1 for the current state.")
        let keys = Self.name("lessor_issuer_keys", "Keys held for each trusted issuer.")
        let success = Self.name(
            "lessor_issuer_keys_last_success_timestamp_seconds",
            "Unix time of the last successful key-set fetch, 0 before the first.")
        let failing = Self.name("lessor_issuer_keys_fetch_failing", "1 when the issuer's last key-set fetch failed.")
        for status in await verifier.status() {
            let issuer = ("issuer", status.issuer)
            for candidate in Self.keyStates {
                gauge(state, [issuer, ("state", candidate.rawValue)]).set(to: status.state == candidate ? 1 : 0)
            }
            gauge(keys, [issuer]).set(to: Double(status.keyIDs.count))
            gauge(success, [issuer]).set(to: status.lastSuccess?.timeIntervalSince1970 ?? 0)
            gauge(failing, [issuer]).set(to: status.lastError == nil ? 0 : 1)
        }
    }

    private func refreshAudit(_ health: AuditHealth) {
        let device = Self.name("lessor_audit_device_up", "1 while the audit device records.")
        for member in health.devices {
            gauge(device, [("device", member.name)]).set(to: member.state == .recording ? 1 : 0)
        }
        gauge(Self.name("lessor_audit_recording", "1 while at least one audit device records (grants need one)."))
            .set(to: health.isRecording ? 1 : 0)
        gauge(Self.name("lessor_audit_last_sequence", "Sequence of the last durable audit record."))
            .set(to: Double(health.lastSequence))
    }

    static let keyStates: [KeySetStatus.State] = [.notLoaded, .fresh, .stale, .unavailable]

    private func gauge(_ descriptor: MetricNameDescriptor, _ labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: descriptor, labels: labels)
    }

    private static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}

import CoreMetrics
import Foundation
import LessorBroker
import LessorCore
import Prometheus
import Testing

/// `BrokerMetrics` over a registry of its own: the tenant label limit, unbound callers, and two
/// brokers' metrics in one process kept apart; and exchanges through `Broker` counted once each.
@Suite("Broker metrics")
struct BrokerMetricsTests {
    static func record(_ metrics: BrokerMetrics, tenant: String?, result: BrokerMetrics.Result = .granted) {
        metrics.record(
            BrokerMetrics.Exchange(engine: "token", tenantClass: tenant == nil ? nil : "basic", tenant: tenant),
            result: result, duration: .milliseconds(3))
    }

    @Test("Tenants beyond tenant_label_limit are counted under _other; those within keep their series")
    func tenantLimit() {
        let registry = PrometheusCollectorRegistry()
        let metrics = BrokerMetrics(factory: PrometheusMetricsFactory(registry: registry), tenantLabelLimit: 2)
        for tenant in ["acme", "globex", "initech", "hooli", "acme", "initech"] {
            Self.record(metrics, tenant: tenant)
        }
        Self.record(metrics, tenant: "hooli", result: .denied)
        let page = registry.emitToString()
        let series = page.split(separator: "\n").filter { $0.hasPrefix("lessor_tenant_exchanges_total{") }
        #expect(series.count == 4, "\(series)")
        #expect(page.contains(#"lessor_tenant_exchanges_total{tenant="acme",result="granted"} 2"#), "\(page)")
        #expect(page.contains(#"lessor_tenant_exchanges_total{tenant="globex",result="granted"} 1"#))
        #expect(page.contains(#"lessor_tenant_exchanges_total{tenant="_other",result="granted"} 3"#))
        #expect(page.contains(#"lessor_tenant_exchanges_total{tenant="_other",result="denied"} 1"#))
        #expect(!page.contains("initech") && !page.contains("hooli"))
        #expect(page.contains(#"lessor_exchanges_total{result="granted",engine="token",class="basic"} 6"#))
        #expect(metrics.tenantLabel("acme") == "acme" && metrics.tenantLabel("umbrella") == BrokerMetrics.otherTenant)
    }

    @Test("A limit of 0 puts every tenant under _other; an unbound caller is _none and takes no place")
    func zeroLimitAndUnbound() {
        let registry = PrometheusCollectorRegistry()
        let metrics = BrokerMetrics(factory: PrometheusMetricsFactory(registry: registry), tenantLabelLimit: 0)
        Self.record(metrics, tenant: nil, result: .denied)
        #expect(metrics.tenantLabel("acme") == BrokerMetrics.otherTenant)
        let page = registry.emitToString()
        #expect(page.contains(#"lessor_tenant_exchanges_total{tenant="_none",result="denied"} 1"#), "\(page)")
        #expect(page.contains(#"lessor_exchanges_total{result="denied",engine="token",class="_none"} 1"#))
    }

    @Test("Two brokers' metrics in one process do not share series")
    func separateRegistries() {
        let first = PrometheusCollectorRegistry()
        let second = PrometheusCollectorRegistry()
        let one = BrokerMetrics(factory: PrometheusMetricsFactory(registry: first))
        let other = BrokerMetrics(factory: PrometheusMetricsFactory(registry: second))
        Self.record(one, tenant: "acme")
        Self.record(one, tenant: "acme")
        Self.record(other, tenant: "acme", result: .failed)
        #expect(first.emitToString().contains(#"lessor_tenant_exchanges_total{tenant="acme",result="granted"} 2"#))
        #expect(!first.emitToString().contains(#"result="failed""#))
        #expect(second.emitToString().contains(#"lessor_tenant_exchanges_total{tenant="acme",result="failed"} 1"#))
    }

    @Test("Each exchange through the broker is counted once, refusals at any step included")
    func brokerCountsEachExchangeOnce() async throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = BrokerMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let fixture = try BrokerFixture(metrics: metrics)
        let path = "token/audiences/billing"
        _ = try await fixture.broker.exchange(fixture.workload("acme"), path: path, requestedTTL: nil)
        await #expect(throws: LessorError.self) {
            _ = try await fixture.broker.exchange(fixture.workload("acme"), path: "nowhere/x", requestedTTL: nil)
        }
        await #expect(throws: LessorError.self) {
            _ = try await fixture.broker.exchange(fixture.admin(), path: path, requestedTTL: nil)
        }
        await fixture.cleanUp()
        let page = registry.emitToString()
        #expect(page.contains(#"lessor_exchanges_total{result="granted",engine="token",class="#), "\(page)")
        #expect(page.contains(#"lessor_exchanges_total{result="denied",engine="_unknown",class="#))
        #expect(page.contains(#"lessor_tenant_exchanges_total{tenant="_none",result="denied"} 1"#))
        #expect(page.contains(#"lessor_tenant_exchanges_total{tenant="acme",result="granted"} 1"#))
        #expect(page.contains(#"lessor_tenant_exchanges_total{tenant="acme",result="denied"} 1"#))
        #expect(page.contains(#"lessor_exchange_duration_seconds_count{engine="token",result="granted"} 1"#))
    }
}

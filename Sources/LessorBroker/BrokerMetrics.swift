public import CoreMetrics
import Synchronization

/// The broker's exchange metrics, made through an injected `MetricsFactory` (never the global
/// one, so several brokers can run in one process). Labels are bounded: engines and classes come
/// from configuration, and only the first `tenantLabelLimit` tenants get their own series; the
/// rest are counted under `tenant="_other"`. No label ever carries a token, subject, lease id or
/// credential.
public final class BrokerMetrics: Sendable {
    /// How an exchange ended.
    public enum Result: String, Sendable, CaseIterable {
        case granted
        /// Refused: binding, policy, quota, tenant state or the request itself.
        case denied
        /// The broker, its store, an engine or the audit log failed.
        case failed
    }

    /// What one exchange is counted under. The tenant and class stay nil when the caller binds to
    /// no tenant.
    public struct Exchange: Sendable, Hashable {
        public var engine: String
        public var tenantClass: String?
        public var tenant: String?

        public init(engine: String, tenantClass: String? = nil, tenant: String? = nil) {
            self.engine = engine
            self.tenantClass = tenantClass
            self.tenant = tenant
        }
    }

    /// The `tenant` value of tenants beyond the limit.
    public static let otherTenant = "_other"
    /// The `tenant` and `class` values of an exchange whose caller binds to no tenant.
    public static let unbound = "_none"
    /// The `engine` value of a path no engine of this broker serves.
    public static let unknownEngine = "_unknown"

    private struct Series: Hashable {
        let name: String
        let labels: [String]

        init(_ name: String, _ labels: [(String, String)]) {
            self.name = name
            self.labels = labels.flatMap { [$0.0, $0.1] }
        }
    }

    private struct State {
        var counters: [Series: any CounterHandler] = [:]
        var timers: [Series: any TimerHandler] = [:]
        var tenants: Set<String> = []
    }

    public let tenantLabelLimit: Int
    private let factory: any MetricsFactory
    private let state = Mutex(State())

    /// Metrics that go nowhere: the default of a `Broker` built without a factory.
    public static var disabled: BrokerMetrics { BrokerMetrics(factory: NOOPMetricsHandler.instance) }

    public init(factory: any MetricsFactory, tenantLabelLimit: Int = 100) {
        self.factory = factory
        self.tenantLabelLimit = max(0, tenantLabelLimit)
    }

    /// The label value for `tenant`: itself once it holds one of the first `tenantLabelLimit`
    /// places, `_other` for every tenant after them.
    public func tenantLabel(_ tenant: String) -> String {
        state.withLock { state in
            if state.tenants.contains(tenant) { return tenant }
            guard state.tenants.count < tenantLabelLimit else { return Self.otherTenant }
            state.tenants.insert(tenant)
            return tenant
        }
    }

    /// Counts one exchange and records how long it took.
    public func record(_ exchange: Exchange, result: Result, duration: Duration) {
        let tenant = exchange.tenant.map(tenantLabel) ?? Self.unbound
        let tenantClass = exchange.tenantClass ?? Self.unbound
        counter(
            "lessor_exchanges_total",
            [("result", result.rawValue), ("engine", exchange.engine), ("class", tenantClass)]
        )
        .increment(by: 1)
        counter("lessor_tenant_exchanges_total", [("tenant", tenant), ("result", result.rawValue)]).increment(by: 1)
        let (seconds, attoseconds) = duration.components
        timer("lessor_exchange_duration_seconds", [("engine", exchange.engine), ("result", result.rawValue)])
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Counts a request refused before it was authenticated, by its error code (a fixed set).
    public func recordUnauthenticated(code: String) {
        counter("lessor_unauthenticated_requests_total", [("code", code)]).increment(by: 1)
    }

    private func counter(_ name: String, _ labels: [(String, String)]) -> any CounterHandler {
        handler(\.counters, Series(name, labels)) { factory.makeCounter(label: name, dimensions: labels) }
    }

    private func timer(_ name: String, _ labels: [(String, String)]) -> any TimerHandler {
        handler(\.timers, Series(name, labels)) { factory.makeTimer(label: name, dimensions: labels) }
    }

    /// The handler of one series, made by `make` the first time it is asked for.
    private func handler<Handler: Sendable>(
        _ cache: WritableKeyPath<State, [Series: Handler]>, _ key: Series, make: () -> Handler
    ) -> Handler {
        state.withLock { state in
            if let existing = state[keyPath: cache][key] { return existing }
            let made = make()
            state[keyPath: cache][key] = made
            return made
        }
    }
}

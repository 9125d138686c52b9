import LessorCore

extension Broker {
    /// Runs one exchange entry point and counts it in `metrics` under the labels `body` has filled
    /// in by the time it returns or throws (the tenant and class once the caller is bound).
    func counted<Failure: Error>(
        path: String, error classify: (Failure) -> LessorError,
        _ body: (inout BrokerMetrics.Exchange) async throws(Failure) -> ExchangeResult
    ) async throws(Failure) -> ExchangeResult {
        let started = ContinuousClock.now
        var labels = BrokerMetrics.Exchange(engine: engineLabel(path: path))
        do throws(Failure) {
            let answer = try await body(&labels)
            metrics.record(labels, result: .granted, duration: ContinuousClock.now - started)
            return answer
        } catch {
            metrics.record(
                labels, result: Self.metricsResult(of: classify(error)), duration: ContinuousClock.now - started)
            throw error
        }
    }

    /// The engine label of a request path: the engine's name when this broker runs it, `_unknown`
    /// otherwise, so a caller cannot add label values.
    func engineLabel(path: String) -> String {
        let name = path.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        return engines[name] == nil ? BrokerMetrics.unknownEngine : name
    }

    /// Failures of the broker or what it depends on (`LessorError.Code.isServerFault`) are
    /// `failed`; every other refusal is `denied`.
    static func metricsResult(of error: LessorError) -> BrokerMetrics.Result {
        error.code.isServerFault ? .failed : .denied
    }
}

extension BrokerMetrics.Exchange {
    /// Fills in the tenant and class of a bound caller.
    mutating func bind(_ bound: (binding: RoleBinding, tenant: TenantDeclaration, tenantClass: TenantClass)) {
        tenant = bound.tenant.id
        tenantClass = bound.tenantClass.name
    }
}

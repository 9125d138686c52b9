import CurlClient
import Foundation
import LessorCore
import LessorTestSupport
import Testing

/// `GET /metrics` of a real `lessor server` process, parsed with prometheus_client's text-format
/// parser after granted, denied and unauthenticated exchanges.
@Suite("Prometheus metrics over HTTP", .serialized)
struct MetricsEndpointTests {
    /// One parsed sample: its family's name and type, its own name (with `_total`, `_bucket`, …)
    /// labels and value.
    struct Sample: Sendable {
        let family: String
        let type: String
        let name: String
        let labels: [String: String]
        let value: Double
    }

    /// Parses `page` with `prometheus_client.parser.text_string_to_metric_families`, which refuses
    /// any line that is not valid text exposition format.
    static func parse(_ page: [UInt8]) async throws -> [Sample] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            samples = []
            for family in text_string_to_metric_families(sys.stdin.read()):
                for sample in family.samples:
                    samples.append({"family": family.name, "type": family.type, "name": sample.name,
                                    "labels": sample.labels, "value": sample.value})
            print(json.dumps(samples))
            """
        let result = try await ChildProcess.python(script, input: page)
        guard result.status == 0, case .array(let items) = try JSONParser.parse(result.output) else {
            throw LessorError(.internalFailure, "the Prometheus parser refused /metrics: \(result.errors)")
        }
        return items.map { item in
            Sample(
                family: item["family"]?.stringValue ?? "", type: item["type"]?.stringValue ?? "",
                name: item["name"]?.stringValue ?? "",
                labels: (item["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
                value: item["value"]?.numberValue ?? .nan)
        }
    }

    /// The value of the one sample named `name` whose labels include `labels`; nil when there is
    /// none or more than one.
    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
        return matching.count == 1 ? matching[0].value : nil
    }

    /// A server in a fresh directory with `metrics` as its metrics section; `body` runs while it serves.
    static func withServer(
        metrics: String, _ body: (ServerProcess, StaticIssuer) async throws -> Void
    ) async throws {
        try await BrokerUnderTest.run(extra: "metrics: \(metrics)") { try await body($0.server, $0.issuer) }
    }

    @Test("Exchanges by result, engine, class and tenant, latency histograms, lease, issuer and audit gauges")
    func scrape() async throws {
        try await Self.withServer(metrics: "{tenant_label_limit: 1}") { server, issuer in
            let endpoint = server.endpoint
            let acme = try issuer.workload("acme")
            let globex = try issuer.workload("globex")
            var secrets = [acme, globex, "system:serviceaccount:tenant-acme:app"]
            for token in [acme, acme, globex] {
                let reply = try await endpoint.exchange(token)
                #expect(reply.status == 200, "\(reply.text)")
                secrets += [reply.json?["lease_id"]?.stringValue].compactMap { $0 }
                let data = (reply.json?["data"]?.objectValue ?? [:]).values.compactMap(\.stringValue)
                secrets += data.filter { $0.count >= 16 }
            }
            let denied = try await endpoint.exchange(acme, account: "forbidden")
            #expect(denied.status == 403, "\(denied.text)")
            let forged = try await endpoint.exchange(String(acme.dropLast(4)) + "AAAA")
            #expect(forged.status == 401, "\(forged.text)")

            let reply = try await endpoint.send("/metrics", method: .get, token: nil)
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let samples = try await Self.parse(reply.body)

            let exchanges = "lessor_exchanges_total"
            #expect(samples.first { $0.name == exchanges }?.type == "counter")
            #expect(Self.value(samples, exchanges, ["result": "granted", "engine": "token", "class": "basic"]) == 3)
            #expect(Self.value(samples, exchanges, ["result": "denied", "engine": "token", "class": "basic"]) == 1)
            #expect(!samples.contains { $0.name == exchanges && $0.labels["result"] == "failed" })
            // tenant_label_limit 1: acme came first and keeps its series, globex is folded into _other.
            let tenants = "lessor_tenant_exchanges_total"
            #expect(Self.value(samples, tenants, ["tenant": "acme", "result": "granted"]) == 2)
            #expect(Self.value(samples, tenants, ["tenant": "acme", "result": "denied"]) == 1)
            #expect(Self.value(samples, tenants, ["tenant": "_other", "result": "granted"]) == 1)
            #expect(samples.allSatisfy { $0.labels["tenant"] != "globex" })
            #expect(!reply.text.contains("globex"))
            let refused = samples.filter { $0.name == "lessor_unauthenticated_requests_total" }
            #expect(refused.map(\.value) == [1] && refused[0].labels["code"] == forged.errorCode, "\(refused)")

            let latency = samples.filter { $0.family == "lessor_exchange_duration_seconds" }
            #expect(!latency.isEmpty && latency.allSatisfy { $0.type == "histogram" })
            let granted = ["engine": "token", "result": "granted"]
            let buckets = latency.filter { $0.name.hasSuffix("_bucket") && $0.labels["result"] == "granted" }
            let bounds = buckets.compactMap { $0.labels["le"] }
            #expect(bounds.count >= 2 && bounds.last == "+Inf", "\(bounds)")
            #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value }, "buckets are cumulative")
            #expect(
                Self.value(samples, "lessor_exchange_duration_seconds_bucket", granted.merging(["le": "+Inf"]) { $1 })
                    == 3)
            #expect(Self.value(samples, "lessor_exchange_duration_seconds_count", granted) == 3)
            #expect((Self.value(samples, "lessor_exchange_duration_seconds_sum", granted) ?? -1) > 0)
            #expect(Self.value(samples, "lessor_exchange_duration_seconds_count", ["result": "denied"]) == 1)

            #expect(Self.value(samples, "lessor_live_leases") == 3)
            #expect(Self.value(samples, "lessor_revocation_backlog") == 0)
            #expect(Self.value(samples, "lessor_irrevocable_leases") == 0)
            #expect(Self.value(samples, "lessor_store_up") == 1)
            let keyStates = samples.filter { $0.name == "lessor_issuer_keys_state" }
            #expect(keyStates.count == 4 && keyStates.allSatisfy { $0.labels["issuer"] == StaticIssuer.url })
            #expect(Self.value(samples, "lessor_issuer_keys_state", ["state": "fresh"]) == 1)
            #expect(keyStates.map(\.value).reduce(0, +) == 1)
            #expect(Self.value(samples, "lessor_issuer_keys", ["issuer": StaticIssuer.url]) == 1)
            #expect(Self.value(samples, "lessor_issuer_keys_fetch_failing", ["issuer": StaticIssuer.url]) == 0)
            #expect((Self.value(samples, "lessor_issuer_keys_last_success_timestamp_seconds") ?? 0) > 1_700_000_000)

            let devices = samples.filter { $0.name == "lessor_audit_device_up" }
            #expect(!devices.isEmpty && devices.allSatisfy { $0.value == 1 })
            #expect(Self.value(samples, "lessor_audit_recording") == 1)
            // Three grants, a denial and the forged token's refusal were each recorded before their answer.
            #expect((Self.value(samples, "lessor_audit_last_sequence") ?? 0) >= 5)
            #expect(samples.first { $0.family == "lessor_audit_batch_entries" }?.type == "histogram")
            #expect((Self.value(samples, "lessor_audit_batch_entries_sum") ?? 0) >= 5)
            let batches = Self.value(samples, "lessor_audit_batch_entries_count") ?? 0
            #expect(batches >= 1 && batches == Self.value(samples, "lessor_audit_write_duration_seconds_count"))

            #expect(secrets.count == 3 + 3 * 2, "two workload tokens, a subject, three lease ids, three issued tokens")
            for secret in secrets {
                #expect(!reply.text.contains(secret), "\(secret.prefix(12))… appears on /metrics")
                #expect(!reply.text.contains(String(secret.suffix(24))))
            }
            for sample in samples {
                for value in sample.labels.values {
                    #expect(!value.hasPrefix("eyJ") && !value.contains("serviceaccount"), "label value \(value)")
                }
            }
        }
    }

    @Test("lessor dev serves /metrics on its own HTTPS listener")
    func development() async throws {
        let directory = NSTemporaryDirectory() + "lessor-dev-metrics-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let broker = try await DevBrokerProcess(dataDirectory: directory)
        try await withCleanup {
            // The banner follows the first key fetch, which may have failed under load: wait until ready.
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let ready = try? await CurlHTTPClient().send(
                    CurlRequest(url: broker.address + "/v1/ready", caBundlePath: broker.caBundle))
                if ready?.status == 200 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let (status, body) = try await broker.endpoint.call(
                "/v1/creds/token/audiences/app", token: try broker.token(), json: [:])
            #expect(status == 200, "\(String(describing: body))")
            let page = try await CurlHTTPClient().send(
                CurlRequest(url: broker.address + "/metrics", method: .get, caBundlePath: broker.caBundle))
            #expect(page.status == 200)
            let samples = try await Self.parse(page.body)
            let granted = samples.filter { $0.name == "lessor_exchanges_total" && $0.labels["result"] == "granted" }
            #expect(granted.map(\.value) == [1] && granted[0].labels["engine"] == "token", "\(granted)")
            let tenant = ["tenant": "acme", "result": "granted"]
            #expect(Self.value(samples, "lessor_tenant_exchanges_total", tenant) == 1)
            #expect(Self.value(samples, "lessor_live_leases") == 1)
        } cleanup: {
            await broker.stop()
        }
    }

    @Test("With metrics.port, /metrics is served on that listener only")
    func ownListener() async throws {
        let port = try LoopbackSocket.unusedPort()
        try await Self.withServer(metrics: "{address: 127.0.0.1, port: \(port)}") { server, issuer in
            let reply = try await server.endpoint.exchange(try issuer.workload("acme"))
            #expect(reply.status == 200, "\(reply.text)")
            let broker = try await server.endpoint.send("/metrics", method: .get, token: nil)
            #expect(broker.status == 404)
            let metrics = HTTPEndpoint(address: "http://127.0.0.1:\(port)")
            let page = try await metrics.send("/metrics", method: .get, token: nil)
            #expect(page.status == 200)
            let samples = try await Self.parse(page.body)
            let granted = ["result": "granted", "engine": "token", "class": "basic"]
            #expect(Self.value(samples, "lessor_exchanges_total", granted) == 1)
            #expect(Self.value(samples, "lessor_live_leases") == 1)
            let api = try await metrics.send("/v1/ready", method: .get, token: nil)
            #expect(api.status == 404)
        }
    }
}

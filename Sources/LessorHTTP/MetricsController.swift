public import Hummingbird
import NIOCore

/// `GET /metrics`: the Prometheus text exposition (format 0.0.4). Unauthenticated, as Prometheus
/// scrapers expect; restrict it by bind address or network policy. The page carries counts and
/// states only, never a token, credential or key.
public struct MetricsController: Sendable {
    /// Refreshes the scrape-time gauges and renders every series.
    let render: @Sendable () async -> [UInt8]

    public init(render: @escaping @Sendable () async -> [UInt8]) {
        self.render = render
    }

    public func addRoutes(to router: Router<LessorRequestContext>) {
        router.get("metrics") { _, _ in
            let page = await render()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: page)))
        }
    }
}

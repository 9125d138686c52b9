import LessorCore

/// The `metrics` section: where `GET /metrics` is served and how many tenants get series of their own.
public struct MetricsSettings: Sendable, Hashable {
    /// A listener of its own, plain HTTP, that serves `/metrics` only.
    public struct Listener: Sendable, Hashable {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    /// `tenant_label_limit`: the first this many tenants seen get their own `tenant` label; every
    /// later one is counted under `tenant="_other"`, so the series stay bounded.
    public var tenantLabelLimit = 100
    /// `address` and `port`: with a port, `/metrics` is served there and not on the broker's own
    /// listener; without one, on the broker's listener. Both are unauthenticated.
    public var listener: Listener?

    public init() {}

    /// Reads the section; `defaultHost` is the broker's own address.
    static func parse(_ node: ConfigNode, defaultHost: String) throws(LessorError) -> MetricsSettings {
        let fields = try node.mapping(allowed: ["tenant_label_limit", "address", "port"])
        var settings = MetricsSettings()
        if let limit = fields["tenant_label_limit"] { settings.tenantLabelLimit = try limit.int(in: 0...100_000) }
        if let port = fields["port"] {
            settings.listener = Listener(
                host: try fields["address"]?.string() ?? defaultHost, port: try port.int(in: 0...65535))
        } else if let address = fields["address"] {
            throw address.error("address needs port: the metrics listener's own port")
        }
        return settings
    }
}

public import ServiceLifecycle

/// Background service that keeps every issuer's keys fresh before they expire and retries failing
/// IdPs, so request paths rarely wait for a fetch.
public struct KeySetRefresher: Service {
    let caches: [KeySetCache]
    let tick: Duration

    public init(caches: [KeySetCache], tick: Duration = .seconds(1)) {
        self.caches = caches
        self.tick = tick
    }

    public func run() async throws {
        // A graceful shutdown cancels the loop; that is its normal end, not an error.
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await withTaskGroup(of: Void.self) { group in
                    for cache in caches { group.addTask { await cache.refreshIfDue() } }
                }
                try? await Task.sleep(for: tick)
            }
        }
    }
}

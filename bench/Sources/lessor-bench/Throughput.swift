/// Operations per second, measured so that two variants see the same machine: they run in
/// alternating batches of 64 and each accumulates only its own time. On a noisy machine this keeps
/// their ratio honest even when absolute figures drift.
enum Throughput {
    static func compare(
        seconds: Double, _ first: () async throws -> Void, _ second: () async throws -> Void
    ) async rethrows -> (first: Double, second: Double) {
        var elapsed: [Duration] = [.zero, .zero]
        var counts = [0, 0]
        let clock = ContinuousClock()
        let limit = Duration.milliseconds(Int(seconds * 2000))
        while elapsed[0] + elapsed[1] < limit {
            var start = clock.now
            for _ in 0..<64 { try await first() }
            elapsed[0] += clock.now - start
            start = clock.now
            for _ in 0..<64 { try await second() }
            elapsed[1] += clock.now - start
            counts[0] += 64
            counts[1] += 64
        }
        return (rate(counts[0], elapsed[0]), rate(counts[1], elapsed[1]))
    }

    private static func rate(_ count: Int, _ elapsed: Duration) -> Double {
        Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}

import SurgeCore

/// Reads what the replay costs (this process's counters and the store's servers') at the edges of the schedule and
/// of each phase: at each phase's start instant on a thread of its own, and at the end. Nothing is read between
/// edges, so the servers are never polled while they serve.
struct CostSampler {
    /// The counters at one edge.
    struct Sample: Sendable {
        var client: ResourceUsage
        var server: ServerSample?
    }

    private let server: (@Sendable () -> ServerSample)?
    private let sampler: InstantSampler<Sample>

    /// Takes a sample at `startNanos` plus each of `phaseStartSeconds` (the first: the schedule's start).
    init(server: (@Sendable () -> ServerSample)?, startNanos: UInt64, phaseStartSeconds: [Double]) {
        self.server = server
        sampler = InstantSampler(at: phaseStartSeconds.map { startNanos &+ UInt64(max(0, $0) * 1e9) }) {
            Sample(client: .current(), server: server?())
        }
    }

    /// Takes the last sample and returns every edge's, the first at the start and the last at the end (a schedule cut
    /// short has fewer edges than phases + 1; one stopped before it started, only the last).
    func finish() -> [Sample] {
        sampler.finish() + [Sample(client: .current(), server: server?())]
    }
}

import Foundation
import SurgeCore
import Synchronization

/// Reads what the replay costs (this process's counters and the store's servers') at the edges of the schedule and
/// of each phase: at the start, at each later phase's start instant on a thread of its own, and at the end. Nothing
/// is read between edges, so the servers are never polled while they serve.
final class CostSampler: Sendable {
    /// The counters at one edge.
    struct Sample: Sendable {
        var client: ResourceUsage
        var server: ServerSample?
    }

    private let server: (@Sendable () -> ServerSample)?
    private let done = Atomic<Bool>(false)
    private let samples = Mutex<[Sample]>([])
    private let finished = DispatchSemaphore(value: 0)

    /// Takes a sample at `startNanos` plus each of `phaseStartSeconds` (the first: the schedule's start).
    init(server: (@Sendable () -> ServerSample)?, startNanos: UInt64, phaseStartSeconds: [Double]) {
        self.server = server
        let thread = Thread { [self] in
            defer { finished.signal() }
            for start in phaseStartSeconds {
                let due = startNanos &+ UInt64(max(0, start) * 1e9)
                while MonotonicClock.now() < due {
                    if done.load(ordering: .relaxed) { return }
                    MonotonicClock.sleep(until: min(due, MonotonicClock.now() + 100_000_000))
                }
                if done.load(ordering: .relaxed) { return }
                let sample = Sample(client: .current(), server: self.server?())
                samples.withLock { $0.append(sample) }
            }
        }
        thread.start()
    }

    /// Takes the last sample and returns every edge's, the first at the start and the last at the end (a schedule cut
    /// short has fewer edges than phases + 1; one stopped before it started, only the last).
    func finish() -> [Sample] {
        done.store(true, ordering: .relaxed)
        finished.wait()
        let last = Sample(client: .current(), server: server?())
        return samples.withLock { $0 + [last] }
    }
}

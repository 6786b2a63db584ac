import Foundation
import SurgeCore
import Synchronization

/// Takes a sample at each of a list of monotonic instants, on a thread of its own, until stopped: what the engine's
/// per-second counters and the cost counters at the phases' edges are read with.
final class InstantSampler<Value: Sendable>: Sendable {
    private let done = Atomic<Bool>(false)
    private let samples = Mutex<[Value]>([])
    private let finished = DispatchSemaphore(value: 0)

    /// Samples at each of `instants` (ascending, on ``MonotonicClock``) that comes before ``finish()``.
    init(at instants: [UInt64], sample: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            defer { finished.signal() }
            for due in instants {
                while MonotonicClock.now() < due {
                    if done.load(ordering: .relaxed) { return }
                    MonotonicClock.sleep(until: min(due, MonotonicClock.now() + 100_000_000))
                }
                if done.load(ordering: .relaxed) { return }
                let value = sample()
                samples.withLock { $0.append(value) }
            }
        }
        thread.start()
    }

    /// Stops sampling and returns the samples taken, in order.
    func finish() -> [Value] {
        done.store(true, ordering: .relaxed)
        finished.wait()
        return samples.withLock { $0 }
    }
}

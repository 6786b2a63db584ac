import Foundation
import SurgeCore
import Synchronization

/// Samples the store's engine counters at every second of the schedule, on a thread of its own, and keeps how much
/// each grew in each second (a write stall's milliseconds, a compaction's bytes).
final class EngineSampler: Sendable {
    private let done = Atomic<Bool>(false)
    private let samples = Mutex<[[String: Double]]>([])
    private let finished = DispatchSemaphore(value: 0)
    private let started: Bool

    init(options: ReplayOptions, startNanos: UInt64, seconds: Int) {
        guard let sample = options.engineSampler, seconds > 0 else {
            started = false
            return
        }
        started = true
        let thread = Thread { [self] in
            defer { finished.signal() }
            for second in 0...seconds {
                let due = startNanos &+ UInt64(second) &* 1_000_000_000
                while MonotonicClock.now() < due {
                    if done.load(ordering: .relaxed) { return }
                    MonotonicClock.sleep(until: min(due, MonotonicClock.now() + 100_000_000))
                }
                let values = sample()
                samples.withLock { $0.append(values) }
                if done.load(ordering: .relaxed) { return }
            }
        }
        thread.start()
    }

    /// Stops sampling and returns, per counter, its growth in each second of the schedule sampled (a second cut short
    /// by the schedule's end or an interruption counts what it saw).
    func finish() -> [String: [Double]] {
        done.store(true, ordering: .relaxed)
        guard started else { return [:] }
        finished.wait()
        let taken = samples.withLock { $0 }
        guard taken.count >= 2 else { return [:] }
        var series: [String: [Double]] = [:]
        for name in Set(taken.flatMap(\.keys)) {
            series[name] = (1..<taken.count).map { max(0, (taken[$0][name] ?? 0) - (taken[$0 - 1][name] ?? 0)) }
        }
        return series
    }
}

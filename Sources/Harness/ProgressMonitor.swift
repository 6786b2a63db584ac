import Foundation
import SurgeCore
import Synchronization

/// A thread that samples the workers' live counters and calls the progress callback while the schedule runs.
final class ProgressMonitor: Sendable {
    private let plan: ReplayPlan
    private let counters: [LiveCounters]
    private let startNanos: UInt64
    private let options: ReplayOptions
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(plan: ReplayPlan, recorders: [WorkerRecorder], startNanos: UInt64, options: ReplayOptions) {
        self.plan = plan
        counters = recorders.map(\.live)
        self.startNanos = startNanos
        self.options = options
    }

    func start() {
        guard let progress = options.progress else {
            finished.signal()
            return
        }
        let thread = Thread { [self] in
            var previousCompleted: UInt64 = 0
            var previousNanos = startNanos
            let interval = UInt64(options.progressIntervalSeconds * 1e9)
            var next = startNanos + interval
            while !stopped.load(ordering: .relaxed) {
                MonotonicClock.sleep(until: min(next, MonotonicClock.now() + 100_000_000))
                let now = MonotonicClock.now()
                guard now >= next, !stopped.load(ordering: .relaxed) else { continue }
                next += interval
                let completed = counters.reduce(0) { $0 + $1.completed.load(ordering: .relaxed) }
                let elapsed = Double(now - startNanos) / 1e9
                let second = min(plan.load.offeredPerSecond.count - 1, max(0, Int(elapsed) - 1))
                progress(ReplayProgress(
                    label: options.label,
                    elapsedSeconds: elapsed, totalSeconds: plan.scenario.duration.seconds, phase: plan.scenario.phase(atSeconds: elapsed)?.name ?? "",
                    offeredPerSecond: Double(plan.load.offeredPerSecond[second]),
                    achievedPerSecond: Double(completed - previousCompleted) / (Double(now - previousNanos) / 1e9),
                    p99MillisSoFar: LiveCounters.percentileMillis(99, over: counters),
                    errors: counters.reduce(0) { $0 + $1.errors.load(ordering: .relaxed) },
                    lateStarts: counters.reduce(0) { $0 + $1.late.load(ordering: .relaxed) }))
                previousCompleted = completed
                previousNanos = now
            }
            finished.signal()
        }
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        finished.wait()
    }
}

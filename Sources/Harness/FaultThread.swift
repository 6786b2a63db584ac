import Foundation
import SurgeCore
import Synchronization

/// A fault as it was made: on the schedule's clock, in seconds.
struct FaultRun: Sendable {
    var fault: StoreFault
    var started: Double
    var finished: Double
    var outcome: String
    var failed: Bool
    /// The writes to the data the fault touched, watched until a later fault touches data or the schedule ends.
    var writes: WriteOutageWatch?
}

/// Makes the replay's faults at their times of the schedule, on a thread of its own while the workers run. A fault
/// that takes time (a reshard) runs alongside the load; faults due after the schedule ends are not made.
final class FaultThread: Sendable {
    private let done = Atomic<Bool>(false)
    private let made = Mutex<[FaultRun]>([])
    private let finished = DispatchSemaphore(value: 0)
    private let started: Bool

    init(options: ReplayOptions, startNanos: UInt64) {
        guard let injector = options.faultInjector, !options.faults.isEmpty else {
            started = false
            return
        }
        started = true
        let stop = options.stop
        let faults = options.faults.sorted { $0.atSeconds < $1.atSeconds }
        let thread = Thread { [self] in
            defer { finished.signal() }
            for fault in faults {
                let due = startNanos + UInt64(fault.atSeconds * 1e9)
                while MonotonicClock.now() < due {
                    if done.load(ordering: .relaxed) || stop.isRequested { return }
                    MonotonicClock.sleep(until: min(due, MonotonicClock.now() + 100_000_000))
                }
                let begin = MonotonicClock.now()
                let outcome = injector(fault)
                let end = MonotonicClock.now()
                func seconds(_ nanos: UInt64) -> Double { Double(nanos &- startNanos) / 1e9 }
                let run = switch outcome {
                case .success(let effect):
                    FaultRun(fault: fault, started: seconds(begin), finished: seconds(end), outcome: effect.summary, failed: false, writes: effect.writes)
                case .failure(let error):
                    FaultRun(fault: fault, started: seconds(begin), finished: seconds(end), outcome: error.message, failed: true)
                }
                made.withLock { $0.append(run) }
            }
        }
        thread.start()
    }

    /// Stops making faults (the schedule is over), waits for one in progress, and returns those made.
    func finish() -> [FaultRun] {
        done.store(true, ordering: .relaxed)
        if started { finished.wait() }
        return made.withLock { made in
            for run in made { run.writes?.close() }
            return made
        }
    }
}

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
        let faults = options.faults.sorted { $0.atSeconds < $1.atSeconds }
        let thread = Thread { [self] in
            defer { finished.signal() }
            for fault in faults {
                let due = startNanos + UInt64(fault.atSeconds * 1e9)
                while MonotonicClock.now() < due {
                    if done.load(ordering: .relaxed) || replayInterruption.load(ordering: .relaxed) { return }
                    MonotonicClock.sleep(until: min(due, MonotonicClock.now() + 100_000_000))
                }
                let begin = MonotonicClock.now()
                let outcome = injector(fault)
                let end = MonotonicClock.now()
                func seconds(_ nanos: UInt64) -> Double { Double(nanos &- startNanos) / 1e9 }
                let (text, failed) = switch outcome {
                case .success(let text): (text, false)
                case .failure(let error): (error.message, true)
                }
                made.withLock { $0.append(FaultRun(fault: fault, started: seconds(begin), finished: seconds(end), outcome: text, failed: failed)) }
            }
        }
        thread.start()
    }

    /// Stops making faults (the schedule is over), waits for one in progress, and returns those made.
    func finish() -> [FaultRun] {
        done.store(true, ordering: .relaxed)
        if started { finished.wait() }
        return made.withLock { $0 }
    }
}

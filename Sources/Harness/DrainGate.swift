import SurgeCore
import Synchronization

/// Bounds how long a replay's workers may run past the end of the schedule, so that a run always ends: after the
/// deadline no worker starts another operation, and a worker still inside a store call is abandoned (the call is left
/// to return on its own; whatever it brings back is not recorded).
///
/// Each worker goes idle → in a call → idle around every store call; the replay, once the deadline has passed, turns a
/// worker that is in a call into abandoned with one compare-and-exchange, and the worker, when (if) its call returns,
/// finds it cannot go back to idle and stops without recording. Two atomic operations per call.
final class DrainGate: Sendable {
    private enum State: UInt8 {
        case idle, inCall, abandoned, finished
    }

    /// The monotonic instant after which no operation starts (`UInt64.max`: never).
    let deadlineNanos: UInt64
    private final class Slot: Sendable {
        let state = Atomic<UInt8>(State.idle.rawValue)
    }

    private let slots: [Slot]

    init(workers: Int, deadlineNanos: UInt64) {
        self.deadlineNanos = deadlineNanos
        slots = (0..<workers).map { _ in Slot() }
    }

    /// Whether worker `worker` may start an operation at `now`: false past the deadline.
    @inline(__always)
    func mayStart(_ worker: Int, now: UInt64) -> Bool {
        now <= deadlineNanos && slots[worker].state.compareExchange(expected: State.idle.rawValue, desired: State.inCall.rawValue,
                                                                 ordering: .acquiringAndReleasing).exchanged
    }

    /// Called when the call returns: false when the worker was abandoned meanwhile (it must record nothing and stop).
    @inline(__always)
    func callReturned(_ worker: Int) -> Bool {
        slots[worker].state.compareExchange(expected: State.inCall.rawValue, desired: State.idle.rawValue, ordering: .acquiringAndReleasing).exchanged
    }

    /// Worker `worker` has stopped (its share done, the deadline passed, or abandoned).
    func finish(_ worker: Int) {
        _ = slots[worker].state.compareExchange(expected: State.idle.rawValue, desired: State.finished.rawValue, ordering: .acquiringAndReleasing)
    }

    /// Once the deadline has passed: abandons every worker still in a call, waiting for the others (between calls,
    /// they see the deadline at once) to finish. Returns how many were abandoned.
    func abandonStragglers() -> Int {
        var abandoned = 0
        for slot in slots {
            while true {
                let current = slot.state.load(ordering: .acquiring)
                if current == State.finished.rawValue { break }
                if current == State.abandoned.rawValue { abandoned += 1; break }
                if current == State.inCall.rawValue,
                   slot.state.compareExchange(expected: current, desired: State.abandoned.rawValue, ordering: .acquiringAndReleasing).exchanged {
                    abandoned += 1
                    break
                }
                MonotonicClock.sleep(until: MonotonicClock.now() + 1_000_000)  // between calls: about to stop
            }
        }
        return abandoned
    }
}

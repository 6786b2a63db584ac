import Synchronization
import SurgeCore

/// The slots the last fault touched and the watch on their writes: every worker's client notes its successful writes
/// here, and those to an affected slot reach the fault's ``WriteOutageWatch``.
final class AffectedSlotWatch: Sendable {
    private let active = Atomic<Bool>(false)
    private let current = Mutex<(slots: [Bool], watch: WriteOutageWatch)?>(nil)

    /// Starts watching the writes to `slots` from now, instead of the previous fault's.
    func begin(slots: some Sequence<Int>) -> WriteOutageWatch {
        let watch = WriteOutageWatch(startNanos: MonotonicClock.now())
        var mask = [Bool](repeating: false, count: ClusterSlot.count)
        for slot in slots { mask[slot] = true }
        current.withLock { $0 = (mask, watch) }
        active.store(true, ordering: .relaxed)
        return watch
    }

    /// Notes a write to `slot` that succeeded just now. Costs one atomic load until a fault is made.
    @inline(__always)
    func noteWrite(slot: Int) {
        guard active.load(ordering: .relaxed) else { return }
        let now = MonotonicClock.now()
        current.withLock { current in
            if let current, current.slots[slot] { current.watch.recordSuccess(atNanos: now) }
        }
    }
}

import Synchronization

/// What a store did for a fault: a sentence for the results, and a watch on the writes to the data it touched.
public struct FaultEffect: Sendable {
    /// "moved 1000 slots (12591 keys) from ... to ...".
    public var summary: String
    /// The writes to the affected data (the slots moved, the killed master's slots); nil when the fault affects none.
    public var writes: WriteOutageWatch?

    /// What a fault did (`summary`) and, for one that stops writes to part of the store, the watch that measures it.
    public init(summary: String, writes: WriteOutageWatch? = nil) {
        self.summary = summary
        self.writes = writes
    }
}

/// The longest time the data a fault touched went without a successful write, from the fault's start: the store
/// notes each write there that succeeded, until a later fault's watch replaces it or the harness closes it (at the
/// schedule's end).
public final class WriteOutageWatch: Sendable {
    private struct State {
        var startNanos: UInt64
        var lastNanos: UInt64?
        var longestNanos: UInt64 = 0
        var closed = false
    }

    private let state: Mutex<State>

    /// A watch started at `startNanos` (``MonotonicClock``).
    public init(startNanos: UInt64) {
        state = Mutex(State(startNanos: startNanos))
    }

    /// Notes a write to the affected data that succeeded at `nanos` (the monotonic clock).
    public func recordSuccess(atNanos nanos: UInt64) {
        state.withLock { state in
            // A write that finished before the fault began (its clock read before this watch started) is no gap.
            let previous = state.lastNanos ?? state.startNanos
            guard !state.closed, nanos > previous else { return }
            state.longestNanos = max(state.longestNanos, nanos - previous)
            state.lastNanos = nanos
        }
    }

    /// Stops noting writes.
    public func close() {
        state.withLock { $0.closed = true }
    }

    /// The longest gap in seconds, counting from the fault's start to the first success; nil when no write to the
    /// affected data succeeded while the watch was open.
    public var longestGapSeconds: Double? {
        state.withLock { $0.lastNanos == nil ? nil : Double($0.longestNanos) / 1e9 }
    }
}

/// A store whose engine keeps cumulative counters worth following second by second during a run (an LSM tree's
/// write stalls and compaction), beyond the totals of ``MessageStore/statistics()``.
public protocol EngineCounterSampling: Sendable {
    /// The counters to follow, cumulative since the store opened, by name. Called about once a second from a thread
    /// of the harness while the schedule runs; must be cheap and thread-safe.
    func sampleEngineCounters() -> [String: Double]
}

/// The sum of every worker's live counters of one replay, read on demand from any thread (relaxed atomics: each
/// figure is exact, the figures together are a moment's approximation).
public struct LiveTotals: Sendable {
    /// Response times are counted in this many power-of-two buckets of microseconds (bucket b: [2^b, 2^(b+1)) µs).
    public static let bucketCount = LiveCounters.bucketCount

    /// What the counters held at one moment.
    public struct Snapshot: Sendable {
        public var completed: UInt64 = 0
        public var lateStarts: UInt64 = 0
        /// Operations finished and failed, by ``OperationKind`` raw value.
        public var completedByKind = [UInt64](repeating: 0, count: 8)
        public var failedByKind = [UInt64](repeating: 0, count: 8)
        /// Finished operations by response-time bucket.
        public var buckets = [UInt64](repeating: 0, count: LiveTotals.bucketCount)
        public var responseNanosSum: UInt64 = 0
        /// How far behind its schedule the most behind worker started its latest operation.
        public var maximumLagNanos: UInt64 = 0
    }

    let counters: [LiveCounters]

    /// Reads every worker's counters now and adds them up.
    public func snapshot() -> Snapshot {
        var sum = Snapshot()
        for counter in counters {
            sum.completed += counter.completed.load(ordering: .relaxed)
            sum.lateStarts += counter.late.load(ordering: .relaxed)
            for kind in 0..<8 {
                sum.completedByKind[kind] += counter.completedByKind[kind].load(ordering: .relaxed)
                sum.failedByKind[kind] += counter.failedByKind[kind].load(ordering: .relaxed)
            }
            for bucket in 0..<LiveTotals.bucketCount { sum.buckets[bucket] += counter.buckets[bucket].load(ordering: .relaxed) }
            sum.responseNanosSum += counter.responseNanosSum.load(ordering: .relaxed)
            sum.maximumLagNanos = max(sum.maximumLagNanos, counter.lagNanos.load(ordering: .relaxed))
        }
        return sum
    }
}

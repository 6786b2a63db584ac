import Synchronization

/// What one worker publishes for the live status line and the metrics endpoint: plain relaxed atomics, written
/// only by that worker.
final class LiveCounters: Sendable {
    /// Response times by power-of-two bucket of microseconds (bucket b holds [2^b, 2^(b+1)) µs).
    static let bucketCount = 40
    let completed = Atomic<UInt64>(0)
    let errors = Atomic<UInt64>(0)
    let late = Atomic<UInt64>(0)
    let buckets: InlineArray<40, Atomic<UInt64>> = InlineArray { _ in Atomic(0) }
    /// Operations finished and failed, by kind (raw value).
    let completedByKind: InlineArray<8, Atomic<UInt64>> = InlineArray { _ in Atomic(0) }
    let failedByKind: InlineArray<8, Atomic<UInt64>> = InlineArray { _ in Atomic(0) }
    let responseNanosSum = Atomic<UInt64>(0)
    /// How far behind its schedule the worker started its latest operation.
    let lagNanos = Atomic<UInt64>(0)

    @inline(__always)
    func record(kind: UInt8, failed: Bool, responseNanos: UInt64) {
        let micros = max(responseNanos / 1000, 1)
        let bucket = min(Self.bucketCount - 1, 63 - micros.leadingZeroBitCount)
        buckets[bucket].add(1, ordering: .relaxed)
        completedByKind[Int(kind)].add(1, ordering: .relaxed)
        if failed { failedByKind[Int(kind)].add(1, ordering: .relaxed) }
        responseNanosSum.add(responseNanos, ordering: .relaxed)
        completed.add(1, ordering: .relaxed)
    }

    /// The upper bound of the bucket holding the `percentile` response over all `counters` (milliseconds).
    static func percentileMillis(_ percentile: Double, over counters: [LiveCounters]) -> Double? {
        var totals = [UInt64](repeating: 0, count: bucketCount)
        for counter in counters {
            for bucket in 0..<bucketCount { totals[bucket] += counter.buckets[bucket].load(ordering: .relaxed) }
        }
        let total = totals.reduce(0, +)
        guard total > 0 else { return nil }
        let target = UInt64((Double(total) * percentile / 100).rounded(.up))
        var running: UInt64 = 0
        for bucket in 0..<bucketCount {
            running += totals[bucket]
            if running >= target { return Double(UInt64(1) << UInt64(bucket + 1)) / 1000 }
        }
        return nil
    }
}

import Histogram
import SurgeCore
import Synchronization

/// For testing a comparison only: a deliberate regression of the store's operations, made by holding the worker after
/// each call. Either every operation is stretched, by spinning (a uniform slowdown, as slower code would cost CPU), or
/// only the slowest share of them, by sleeping (a tail-only regression: a longer checkpoint, a lock held across a
/// sync, a stall that waits without burning CPU), which leaves the median alone and moves every percentile above that
/// share by the same factor.
public struct ServiceStretch: Sendable, Equatable {
    /// How much longer a stretched operation takes: 0.5 makes it 50% longer.
    public var fraction: Double
    /// Which operations are stretched: those whose service time is among the slowest `slowestShare` of the replay's
    /// operations so far (1: every operation).
    public var slowestShare: Double

    public init(fraction: Double, slowestShare: Double = 1) {
        self.fraction = fraction
        self.slowestShare = slowestShare
    }

    /// The share a tail-only regression stretches: twice the share above p99, so that p99 and every percentile above
    /// it move by the whole fraction even when the threshold, learnt as the replay goes, is a little off.
    public static let tailShare = 0.02
}

/// The threshold above which an operation counts among the slowest share, learnt from the service times of every
/// worker of one replay (before stretching), so that a worker with few operations of its own still knows it.
/// Nothing is stretched until enough operations have been seen.
final class StretchThreshold: Sendable {
    private let stretch: ServiceStretch
    private let seen = Mutex(Histogram<UInt32>(lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000,
                                               numberOfSignificantValueDigits: .two))
    /// Service time in nanoseconds at or above which an operation is stretched (`UInt64.max`: none yet).
    private let nanos = Atomic<UInt64>(UInt64.max)
    private static let learningOperations: UInt64 = 200
    private static let refreshEvery: UInt64 = 64

    init(_ stretch: ServiceStretch) {
        self.stretch = stretch
        if stretch.slowestShare >= 1 { nanos.store(0, ordering: .relaxed) }
    }

    /// Holds the worker whose operation ran from `start` to `end` as long as the stretch asks; returns the instant
    /// the operation now ends.
    func hold(start: UInt64, end: UInt64) -> UInt64 {
        let service = end - start
        guard stretch.slowestShare < 1 else {
            let until = end + UInt64(Double(service) * stretch.fraction)
            var now = end
            while now < until { now = MonotonicClock.now() }
            return now
        }
        learn(service)
        guard service >= nanos.load(ordering: .relaxed) else { return end }
        MonotonicClock.sleep(until: end + UInt64(Double(service) * stretch.fraction))
        return MonotonicClock.now()
    }

    private func learn(_ service: UInt64) {
        let threshold: UInt64? = seen.withLock { histogram in
            histogram.recordClamped(service)
            guard histogram.totalCount >= Self.learningOperations, histogram.totalCount % Self.refreshEvery == 0 else { return nil }
            return histogram.valueAtPercentile(100 * (1 - stretch.slowestShare))
        }
        if let threshold { nanos.store(threshold, ordering: .relaxed) }
    }
}

import Foundation
import SurgeCore

/// Samples the store's engine counters at every second of the schedule, on a thread of its own, and keeps how much
/// each grew in each second (a write stall's milliseconds, a compaction's bytes).
final class EngineSampler: Sendable {
    private let sampler: InstantSampler<[String: Double]>?

    init(options: ReplayOptions, startNanos: UInt64, seconds: Int) {
        guard let sample = options.engineSampler, seconds > 0 else {
            sampler = nil
            return
        }
        sampler = InstantSampler(at: (0...seconds).map { startNanos &+ UInt64($0) &* 1_000_000_000 }, sample: sample)
    }

    /// Stops sampling and returns, per counter, its growth in each second of the schedule sampled (a second cut short
    /// by the schedule's end or an interruption counts what it saw).
    func finish() -> [String: [Double]] {
        guard let taken = sampler?.finish(), taken.count >= 2 else { return [:] }
        var series: [String: [Double]] = [:]
        for name in Set(taken.flatMap(\.keys)) {
            series[name] = (1..<taken.count).map { max(0, (taken[$0][name] ?? 0) - (taken[$0 - 1][name] ?? 0)) }
        }
        return series
    }
}

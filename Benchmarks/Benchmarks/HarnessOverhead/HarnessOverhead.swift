import Benchmark
import Harness

/// The harness's own cost per operation: two clock reads and the recording a replay worker does (histograms, the
/// 1-second series, the live counters), without any store.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        thresholds: [
            .wallClock: BenchmarkThresholds(relative: [.p50: 25, .p90: 35]),
            .mallocCountTotal: BenchmarkThresholds(absolute: [.p50: 0, .p100: 0]),
        ])

    Benchmark("time-and-record-one-operation") { benchmark in
        let probe = RecordingProbe()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(probe.recordOne())
        }
    }
}

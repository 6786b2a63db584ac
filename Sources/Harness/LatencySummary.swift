import Histogram

/// The percentiles a result table shows, in milliseconds.
public struct LatencySummary: Sendable, Hashable, Codable {
    public var count: UInt64
    public var meanMs: Double
    public var p50Ms: Double
    public var p90Ms: Double
    public var p99Ms: Double
    public var p999Ms: Double
    public var p9999Ms: Double
    public var maxMs: Double

    public init<Count>(_ histogram: Histogram<Count>) {
        func ms(_ nanos: UInt64) -> Double { Double(nanos) / 1e6 }
        guard histogram.totalCount > 0 else {
            self = .empty
            return
        }
        self.init(
            count: histogram.totalCount, meanMs: histogram.mean / 1e6, p50Ms: ms(histogram.valueAtPercentile(50)),
            p90Ms: ms(histogram.valueAtPercentile(90)), p99Ms: ms(histogram.valueAtPercentile(99)),
            p999Ms: ms(histogram.valueAtPercentile(99.9)), p9999Ms: ms(histogram.valueAtPercentile(99.99)), maxMs: ms(histogram.max))
    }

    /// No operations.
    public static let empty = LatencySummary(count: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, p9999Ms: 0, maxMs: 0)

    public init(count: UInt64, meanMs: Double, p50Ms: Double, p90Ms: Double, p99Ms: Double, p999Ms: Double, p9999Ms: Double, maxMs: Double) {
        self.count = count
        self.meanMs = meanMs
        self.p50Ms = p50Ms
        self.p90Ms = p90Ms
        self.p99Ms = p99Ms
        self.p999Ms = p999Ms
        self.p9999Ms = p9999Ms
        self.maxMs = maxMs
    }
}

/// One second of the run.
public struct SecondSample: Sendable, Hashable, Codable {
    /// Seconds from the start of the schedule.
    public var second: Int
    /// Operations scheduled to start in this second.
    public var offered: UInt64
    /// Operations that finished in this second.
    public var achieved: UInt64
    /// Response times of the operations scheduled in this second.
    public var p50Ms: Double
    public var p99Ms: Double
    public var maxMs: Double
    public var lateStarts: UInt64
    public var errors: UInt64
}

extension SecondSample {
    /// The first second from `first` (before `last`) that starts 3 seconds (fewer at the end) whose p99 all stay
    /// within `limit`: where a surge or a fault is recovered from.
    public static func settledSecond(in series: [SecondSample], from first: Int, before last: Int, limit: Double) -> Int? {
        for second in first..<max(first, last) {
            let window = series.filter { $0.second >= second && $0.second < min(second + 3, last) }
            if !window.isEmpty, window.allSatisfy({ $0.p99Ms <= limit }) { return second }
        }
        return nil
    }
}

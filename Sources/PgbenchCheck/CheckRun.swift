import Histogram

/// One run of the check's transaction by one tool: how many transactions completed per second, and their latency
/// (from the scheduled start at a fixed rate, so that a late start counts).
public struct CheckRun: Sendable {
    /// Who drove the server.
    public enum Tool: String, Sendable, CaseIterable {
        case surgebench
        case pgbench
    }

    /// Closed loop (each connection sends its next transaction when the last returns) or a fixed arrival rate.
    public enum Load: Sendable, Hashable {
        case closedLoop
        case fixedRate(Double)
    }

    public var tool: Tool
    public var load: Load
    public var transactionsPerSecond: Double
    public var failures: Int
    /// Latency in nanoseconds.
    public var latency: Histogram<UInt64>

    /// A histogram for transaction latencies: 1 µs to 1 h, three significant digits.
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .three)
    }

    /// The latency at `percentile`, in milliseconds.
    public func milliseconds(at percentile: Double) -> Double { Double(latency.valueAtPercentile(percentile)) / 1e6 }
}

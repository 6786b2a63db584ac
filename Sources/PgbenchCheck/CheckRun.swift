import Glibc
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
    /// The client's CPU time per transaction, microseconds: SurgeBench's process, or the pgbench process it waited for.
    public var clientCPUMicrosPerTransaction: Double

    /// A histogram for transaction latencies: 1 µs to 1 h, three significant digits.
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .three)
    }

    /// CPU time (user and system) of this process (`RUSAGE_SELF`) or of the children it waited for (`RUSAGE_CHILDREN`).
    static func cpuNanos(_ who: Int32) -> UInt64 {
        var usage = rusage()
        getrusage(__rusage_who_t(who), &usage)
        func nanos(_ time: timeval) -> UInt64 { UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_usec) * 1000 }
        return nanos(usage.ru_utime) + nanos(usage.ru_stime)
    }

    /// The latency at `percentile`, in milliseconds.
    public func milliseconds(at percentile: Double) -> Double { Double(latency.valueAtPercentile(percentile)) / 1e6 }
}

/// One run of one operation by one tool: calls completed per second and latency percentiles, closed loop.
public struct RedisCheckRun: Sendable {
    /// Who drove the cluster.
    public enum Tool: String, Sendable, CaseIterable {
        case surgebench
        case redisBenchmark = "redis-benchmark"
    }

    public var tool: Tool
    public var operation: RedisBenchmarkCheck.Operation
    public var callsPerSecond: Double
    /// Latency percentiles in milliseconds (redis-benchmark reports these and no histogram).
    public var p50Ms: Double
    public var p99Ms: Double
    public var maxMs: Double
    public var failures: Int
}

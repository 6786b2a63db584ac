import Foundation
import Reporting
import SurgeCore

/// The check's runs, and the side-by-side table of medians over rounds.
public struct RedisBenchmarkCheckReport: Sendable {
    public var runs: [RedisCheckRun]
    public var workers: Int
    public var requests: Int
    /// The cluster's settings (version, appendfsync, ...).
    public var settings: [String: String]

    /// One line for a run as it ends.
    static func describe(_ run: RedisCheckRun) -> String {
        "\(run.tool.rawValue) \(run.operation.rawValue): \(String(format: "%.0f", run.callsPerSecond)) calls/s, "
            + String(format: "p50 %.3f ms, p99 %.3f ms, max %.2f ms", run.p50Ms, run.p99Ms, run.maxMs)
            + (run.failures > 0 ? ", \(run.failures) failed" : "")
    }

    /// Per operation and tool: the median throughput with its range over rounds, and the median percentiles.
    public var table: Table {
        var rows: [[String]] = []
        for operation in RedisBenchmarkCheck.Operation.allCases {
            for tool in RedisCheckRun.Tool.allCases {
                let chosen = runs.filter { $0.operation == operation && $0.tool == tool }
                guard !chosen.isEmpty else { continue }
                let throughput = chosen.map(\.callsPerSecond)
                rows.append([operation.rawValue, tool.rawValue,
                             String(format: "%.0f (%.0f–%.0f)", Statistics.median(throughput), throughput.min()!, throughput.max()!),
                             Figures.format(Statistics.median(chosen.map(\.p50Ms))), Figures.format(Statistics.median(chosen.map(\.p99Ms))),
                             Figures.format(Statistics.median(chosen.map(\.maxMs))), String(chosen.reduce(0) { $0 + $1.failures })])
            }
            if let ratio = ratio(operation) { rows.append([operation.rawValue, "SurgeBench / redis-benchmark", String(format: "%.2fx", ratio), "", "", "", ""]) }
        }
        return Table(
            caption: "The same Redis Function calls (sb_send of a 64-byte message to one chat; sb_history of its newest 20) with the "
                + "same keys and arguments through SurgeBench's redis-cluster client and through redis-benchmark (-P 1, against the "
                + "master serving the chat), \(workers) connections each on its own thread, closed loop, \(requests) calls per run, "
                + "\(runs.filter { $0.tool == .redisBenchmark && $0.operation == .send }.count) interleaved rounds; medians over rounds. "
                + "Latency in ms from the request's send to its reply (redis-benchmark times from its write and has no fixed-rate mode, "
                + "so this compares the clients' cost and throughput, not open-loop tails).",
            header: ["operation", "tool", "calls/s (range)", "p50 ms", "p99 ms", "max ms", "failed"], rows: rows)
    }

    /// SurgeBench's throughput over redis-benchmark's for `operation`, median of the per-round ratios.
    public func ratio(_ operation: RedisBenchmarkCheck.Operation) -> Double? {
        let surge = runs.filter { $0.operation == operation && $0.tool == .surgebench }.map(\.callsPerSecond)
        let tool = runs.filter { $0.operation == operation && $0.tool == .redisBenchmark }.map(\.callsPerSecond)
        guard !surge.isEmpty, surge.count == tool.count else { return nil }
        return Statistics.median(zip(surge, tool).map { $0 / max($1, 1e-9) })
    }

    /// The table and the cluster's settings, as Markdown.
    public var markdown: String {
        var text = table.markdown()
        let shown = ["redis_version", "masters", "appendonly", "appendfsync"].compactMap { name in settings[name].map { "\(name)=\($0)" } }
        if !shown.isEmpty { text += "\nCluster: " + shown.joined(separator: ", ") + ".\n" }
        return text
    }
}

import Foundation
import Reporting
import SurgeCore

/// The check's runs, and the side-by-side table of medians over rounds.
public struct PgbenchCheckReport: Sendable {
    public var runs: [CheckRun]
    public var workers: Int
    public var seconds: Int
    /// The server's settings (version, synchronous_commit, ...).
    public var settings: [String: String]

    static let percentiles: [(label: String, value: Double)] = [("p50", 50), ("p99", 99), ("p99.9", 99.9)]

    /// One line for a run as it ends.
    static func describe(_ run: CheckRun) -> String {
        let load = switch run.load {
        case .closedLoop: "closed loop"
        case .fixedRate(let rate): String(format: "%.0f tx/s", rate)
        }
        let latencies = percentiles.map { "\($0.label) \(String(format: "%.2f", run.milliseconds(at: $0.value))) ms" }
        return "\(run.tool.rawValue) \(load): \(String(format: "%.0f", run.transactionsPerSecond)) tx/s, "
            + latencies.joined(separator: ", ") + (run.failures > 0 ? ", \(run.failures) failed" : "")
    }

    /// Per tool and load: the median throughput with its range over rounds, and the median of each percentile.
    public var table: Table {
        var rows: [[String]] = []
        let loads = runs.reduce(into: [CheckRun.Load]()) { if !$0.contains($1.load) { $0.append($1.load) } }
        for load in loads {
            for tool in CheckRun.Tool.allCases {
                let chosen = runs.filter { $0.load == load && $0.tool == tool }
                guard !chosen.isEmpty else { continue }
                let throughput = chosen.map(\.transactionsPerSecond)
                let loadText = switch load {
                case .closedLoop: "closed loop"
                case .fixedRate(let rate): String(format: "fixed %.0f tx/s", rate)
                }
                rows.append([loadText, tool.rawValue,
                             String(format: "%.0f (%.0f–%.0f)", Statistics.median(throughput), throughput.min()!, throughput.max()!)]
                    + Self.percentiles.map { percentile in
                        String(format: "%.2f", Statistics.median(chosen.map { $0.milliseconds(at: percentile.value) }))
                    } + [Figures.format(Statistics.median(chosen.map(\.clientCPUMicrosPerTransaction))), String(chosen.reduce(0) { $0 + $1.failures })])
            }
        }
        return Table(
            caption: "The same transaction (send, then a 20-message history page; the store's own SQL, prepared) through "
                + "SurgeBench and through pgbench, \(workers) connections and threads each, \(runs.filter { $0.load == .closedLoop && $0.tool == .pgbench }.count) interleaved rounds of "
                + "\(seconds) s; medians over rounds. Latency in ms, from the scheduled start at a fixed rate. Client CPU: SurgeBench's "
                + "process, or the pgbench process, per transaction.",
            header: ["load", "tool", "tx/s (range)"] + Self.percentiles.map { "\($0.label) ms" } + ["client CPU µs / tx", "failed"], rows: rows)
    }

    /// SurgeBench's closed-loop throughput over pgbench's, median of the per-round ratios.
    public var closedLoopRatio: Double? {
        let surge = runs.filter { $0.load == .closedLoop && $0.tool == .surgebench }.map(\.transactionsPerSecond)
        let pgbench = runs.filter { $0.load == .closedLoop && $0.tool == .pgbench }.map(\.transactionsPerSecond)
        guard !surge.isEmpty, surge.count == pgbench.count else { return nil }
        return Statistics.median(zip(surge, pgbench).map { $0 / max($1, 1e-9) })
    }

    /// The table, the ratio and the server's settings, as Markdown.
    public var markdown: String {
        var text = table.markdown()
        if let ratio = closedLoopRatio {
            text += "\n" + String(format: "SurgeBench's closed-loop throughput is %.2fx pgbench's (median of per-round ratios).", ratio) + "\n"
        }
        let shown = ["server_version", "synchronous_commit", "fsync", "shared_buffers"].compactMap { name in settings[name].map { "\(name)=\($0)" } }
        if !shown.isEmpty { text += "\nServer: " + shown.joined(separator: ", ") + ".\n" }
        return text
    }
}

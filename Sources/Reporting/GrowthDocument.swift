import Foundation
import Harness
import Orchestration
import SurgeCore
import Workload

/// `growth.json`: how each backend's cost grew with the data it held (`surgebench grow`), with the machine it ran on.
public struct GrowthDocument: SummaryDocument, Sendable, Hashable {
    public static let currentSchemaVersion = 1
    public static let schemaName = "surgebench-growth"
    public static let kindName = "growth"

    public var schema = GrowthDocument.schemaName
    public var schemaVersion = GrowthDocument.currentSchemaVersion
    public var createdAt: String
    public var environment: EnvironmentInfo
    /// The mix measured at each size, its scale and rate, and the workers.
    public var scenario: String
    public var scale: Double
    public var workers: Int
    /// Options as given, per backend, secrets redacted.
    public var options: [String: [String: String]]
    public var points: [GrowthCurve.Point]
    /// Backends that failed before their last size, with why (their earlier sizes are in `points`).
    public var failures: [String: String]

    /// The document of one growth measurement, as its pipeline returned it; `scale` is the factor the scenario was
    /// scaled by before it was handed to the pipeline.
    public init(_ outcome: GrowthCurve.Outcome, scale: Double) {
        createdAt = outcome.finishedAt
        environment = outcome.environment
        scenario = outcome.configuration.scenario.name
        self.scale = scale
        workers = outcome.configuration.workers
        options = outcome.options.mapValues { Redaction.redact($0) }
        points = outcome.points
        failures = outcome.failures
    }

    /// `growth.md`: the table.
    public var summary: String { "### Cost growth with data size\n\n" + table.markdown() }

    /// The rate the mix was offered at (the same trace shape at every size).
    public var offeredOpsPerSecond: Double { points.map(\.offeredOpsPerSecond).max() ?? 0 }

    /// One row per backend and size.
    public var table: Table {
        let backends = points.map(\.backend).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let columns = ClassedColumns(backends.map { backend in
            let point = points.first { $0.backend == backend }
            return ClassedColumns.Column(name: backend, durabilityClass: point?.durabilityClass,
                                         isReference: point?.durability == nil, mode: point?.durability)
        })
        return Table(
            caption: "Cost growth with data size: each store grown to each size (users, direct chats and messages in blocks of "
                + "\(Preloader.messagesPerBlock), loaded with the backend's fastest durability), then \(scenario)'s mix replayed on it at "
                + "\(Figures.format(offeredOpsPerSecond)) ops/s (open loop: response times, bytes written) and back to back (closed "
                + "loop: throughput), \(workers) workers, with the durability shown. Machine: \(environment.summary); commit "
                + "\(environment.shortCommit).",
            header: ["backend (durability / commit, class)", "messages", "load msgs/s", "disk bytes / msg", "p50 ms", "p99 ms", "send p99 ms",
                     "history p99 ms", "bytes written / op", "closed-loop ops/s", "verdict"],
            rows: points.map { point in
                ["\(point.backend) (\(StoreSettings.label(durability: point.durability, commit: point.commit)), "
                    + "\(ClassedColumns.label(columns.columns.first { $0.name == point.backend }!)))", Self.count(point.messages),
                 Figures.format(point.loadMessagesPerSecond), point.bytesOnDiskPerMessage.map(Figures.format) ?? "-",
                 Figures.format(point.response.p50Ms), Figures.format(point.response.p99Ms),
                 point.p99MsByOperation["send"].map(Figures.format) ?? "-", point.p99MsByOperation["history"].map(Figures.format) ?? "-",
                 Figures.format(point.bytesWrittenPerOperation), Figures.format(point.closedLoopOpsPerSecond),
                 point.intact ? (point.errors == 0 ? "ok" : "ok, \(point.errors) errors") : "**LOST DATA**"]
            } + failures.sorted { $0.key < $1.key }.map { backend, reason in
                [backend, "FAILED: \(reason)"] + Array(repeating: "-", count: 9)
            }, warning: columns.warning)
    }

    /// p99 and closed-loop throughput against the messages held, one line per backend (log-scale sizes).
    public var charts: [String] {
        let backends = points.map(\.backend).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        func series(_ value: (GrowthCurve.Point) -> Double) -> [SVGLineChart.Series] {
            backends.enumerated().map { index, backend in
                SVGLineChart.Series(name: backend, points: points.filter { $0.backend == backend }.map { (Double($0.messages), value($0)) },
                                    color: index)
            }
        }
        let memory = Double(environment.memoryBytes)
        // Where the data would outgrow the page cache: the largest store compared with the machine's memory.
        let largest = points.compactMap(\.bytesOnDisk).max().map { Double($0) } ?? 0  // not map(Double.init): that is Double(bitPattern:)
        let note = largest < memory / 2
            ? " (every store stayed under half the machine's \(Figures.format(memory / 1_073_741_824)) GiB: all sizes fit in the page cache)"
            : " (the largest store, \(Figures.format(largest / 1_073_741_824)) GiB, approaches the machine's \(Figures.format(memory / 1_073_741_824)) GiB)"
        return [
            SVGLineChart(title: "p99 response time at a fixed rate vs messages held" + note, xLabel: "messages held (log scale)",
                         yLabel: "p99 response time (ms, log scale)", xScale: .logarithmic, yScale: .logarithmic,
                         series: series { max($0.response.p99Ms, 0.001) }).render(),
            SVGLineChart(title: "Closed-loop throughput vs messages held", xLabel: "messages held (log scale)",
                         yLabel: "operations per second", xScale: .logarithmic, series: series(\.closedLoopOpsPerSecond)).render(),
        ]
    }

    static func count(_ messages: Int) -> String {
        messages >= 1_000_000 ? "\(Figures.format(Double(messages) / 1e6))M" : "\(Figures.format(Double(messages) / 1e3))k"
    }
}

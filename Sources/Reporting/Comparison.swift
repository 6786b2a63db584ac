import Foundation
import Harness
import SurgeCore
import Workload

/// Two runs of the same workload compared metric by metric. A metric is a regression (or an improvement) when its
/// change is real and matters: the confidence interval of the change excludes no change, and the estimate lies beyond
/// the metric's tolerance. Each bound of each interval is wrong at most (1 - `confidence`) / metrics of the time
/// (Bonferroni over every metric judged), so that a comparison of identical builds calls a regression at most
/// 1 - `confidence` of the time and noise is not reported as a change.
public struct Comparison: Sendable {
    /// What the whole comparison found, as a CI step's exit code.
    public enum Verdict: Int32, Sendable, Comparable, Encodable {
        case noChange = 0
        case improvementOnly = 2
        case regression = 3

        /// Written by name in the comparison's JSON.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(self == .noChange ? "no change" : self == .improvementOnly ? "improvement only" : "regression")
        }

        public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }
        private var rank: Int { self == .noChange ? 0 : self == .improvementOnly ? 1 : 2 }
    }

    /// A metric, whether lower is better, and the smallest relative change worth judging.
    public struct Metric: Sendable {
        public var name: String
        public var lowerIsBetter: Bool
        public var tolerance: Double
        var value: @Sendable (ResultsDocument.BackendResult) -> Double?
        /// For a percentile: how many of a run's operations lie beyond it (nil: not a percentile). A percentile is
        /// judged only when every run has ``Comparison/fewestBeyondPercentile`` of them: below that, one run's figure
        /// is a handful of operations and says more about chance than about the store.
        var beyond: (@Sendable (ResultsDocument.BackendResult) -> Double)?

        init(name: String, lowerIsBetter: Bool, tolerance: Double, value: @escaping @Sendable (ResultsDocument.BackendResult) -> Double?,
             beyond: (@Sendable (ResultsDocument.BackendResult) -> Double)? = nil) {
            (self.name, self.lowerIsBetter, self.tolerance, self.value, self.beyond) = (name, lowerIsBetter, tolerance, value, beyond)
        }
    }

    /// The operations a run must have beyond a percentile for that percentile to be judged.
    public static let fewestBeyondPercentile = 10.0

    public static let metrics: [Metric] = [
        Metric(name: "achieved ops/s", lowerIsBetter: false, tolerance: 0.05) { $0.achievedPerSecond },
        Metric(name: "response p50 ms", lowerIsBetter: true, tolerance: 0.10) { $0.response.p50Ms },
        Metric(name: "response p99 ms", lowerIsBetter: true, tolerance: 0.25, value: { $0.response.p99Ms },
               beyond: { Double($0.response.count) * 0.01 }),
        Metric(name: "response p99.9 ms", lowerIsBetter: true, tolerance: 0.40, value: { $0.response.p999Ms },
               beyond: { Double($0.response.count) * 0.001 }),
        Metric(name: "service p50 ms", lowerIsBetter: true, tolerance: 0.10) { $0.service.p50Ms },
        Metric(name: "service p99 ms", lowerIsBetter: true, tolerance: 0.25, value: { $0.service.p99Ms },
               beyond: { Double($0.service.count) * 0.01 }),
        // The busiest second's p99: a second's operations, about the run's over its seconds.
        Metric(name: "peak p99 ms", lowerIsBetter: true, tolerance: 0.40, value: { $0.surge.peakP99Ms },
               beyond: { Double($0.response.count) / max($0.wallSeconds, 1) * 0.01 }),
        Metric(name: "CPU µs / op", lowerIsBetter: true, tolerance: 0.15) { $0.cpuMicrosPerOperation },
        Metric(name: "bytes written / op", lowerIsBetter: true, tolerance: 0.15) { $0.bytesWrittenPerOperation },
    ]

    public struct Row: Sendable, Encodable {
        public var backend: String
        public var metric: String
        public var baseline: Double
        public var candidate: Double
        public var change: Double
        /// The interval's bounds; nil when the runs are too few to bound it.
        public var low: Double?
        public var high: Double?
        public var tolerance: Double
        /// The smallest change for the worse this many runs could have called a regression: the tolerance, or the
        /// distance from the estimate to the interval's bound when that is wider (nil when the runs cannot bound it).
        /// A change of about this size is caught about half the time; a larger one more often.
        public var detectable: Double?
        public var judgement: String
        public var verdict: Verdict
    }

    public var baseline: ResultsDocument
    public var candidate: ResultsDocument
    /// The chance that the whole comparison is right not to raise an alarm on identical builds.
    public var confidence: Double
    /// The confidence of each metric's two-sided interval: each of its bounds is wrong at most (1 - `confidence`)
    /// shared out over the metrics judged (Bonferroni), so that a false regression (the lower bound wrong for a
    /// lower-is-better metric) happens on at most 1 - `confidence` of comparisons of identical builds.
    public var confidencePerMetric: Double
    /// The metrics judged (those `confidence` is shared out over); the others are shown with the reason.
    public var judgedMetrics = 0
    public var rows: [Row] = []
    /// Correctness failures of the candidate: any of them is a regression whatever the statistics say.
    public var correctnessFailures: [String] = []
    /// Set when the two sides ran on machines whose probes differ: the statistics then compare machines.
    public var machineDifference: String?
    public var notes: [String] = []

    /// Compares two runs; throws when they are not runs of the same workload or share no backend.
    public init(baseline: ResultsDocument, candidate: ResultsDocument, scale toleranceScale: Double = 1,
                confidence: Double = 0.95) throws(BenchmarkError) {
        self.baseline = baseline
        self.candidate = candidate
        self.confidence = confidence
        let a = baseline.configuration
        let b = candidate.configuration
        guard a.scenario == b.scenario, a.scenarioDigest == b.scenarioDigest else {
            throw BenchmarkError("the runs replay different scenarios ('\(a.scenario)' \(a.scenarioDigest) vs '\(b.scenario)' \(b.scenarioDigest)); compare runs of one scenario, scale and duration")
        }
        guard a.traceDigest == b.traceDigest else {
            throw BenchmarkError("the runs replay different traces (\(a.traceDigest) vs \(b.traceDigest)): same scenario but another seed; compare runs of one trace")
        }
        if a.mode != b.mode || a.workers != b.workers {
            notes.append("The runs differ in mode or workers (\(a.mode.rawValue)/\(a.workers) vs \(b.mode.rawValue)/\(b.workers)).")
        }
        let common = ResultsTables.backendNames(candidate).filter { name in baseline.backends.contains { $0.backend == name } }
        guard !common.isEmpty else {
            throw BenchmarkError("the runs share no backend (\(ResultsTables.backendNames(baseline).joined(separator: ", ")) vs \(ResultsTables.backendNames(candidate).joined(separator: ", ")))")
        }
        for name in common {
            let before = baseline.backends.first { $0.backend == name && $0.failure == nil }
            let after = candidate.backends.first { $0.backend == name && $0.failure == nil }
            guard let before, let after, before.durability != after.durability else { continue }
            let (a, b) = (before.durabilityClass?.rawValue ?? "not recorded", after.durabilityClass?.rawValue ?? "not recorded")
            guard let known = before.durabilityClass, known == after.durabilityClass else {
                throw BenchmarkError("\(name) keeps different durability promises on the two sides (mode \(before.durability ?? "none"), class \(a) "
                    + "vs mode \(after.durability ?? "none"), class \(b)): the comparison would measure the price of a promise, not a change; "
                    + "run both sides in one class (--durability CLASS) or with one mode (--option \(name).durability=MODE)")
            }
            notes.append("\(name) runs durability mode \(before.durability ?? "none") vs \(after.durability ?? "none"), both in class \(known.rawValue).")
        }
        correctnessFailures = Self.correctnessFailures(of: candidate)
        if let before = baseline.environment.probe, let after = candidate.environment.probe {
            machineDifference = after.difference(from: before)
        } else {
            notes.append("The \(baseline.environment.probe == nil ? "baseline" : "candidate") has no machine probe (an older build): whether both ran on alike machines is unknown.")
        }

        // Every metric both sides measured with positive values, then one confidence shared out over those judged:
        // a percentile with too few operations beyond it in some run is shown, not judged, and costs the others nothing.
        var samples: [(backend: String, metric: Metric, before: [Double], after: [Double], tooFew: Double?)] = []
        for name in common {
            let before = baseline.backends.filter { $0.backend == name && $0.failure == nil }
            let after = candidate.backends.filter { $0.backend == name && $0.failure == nil }
            for metric in Self.metrics {
                let x = before.compactMap(metric.value)
                let y = after.compactMap(metric.value)
                guard !x.isEmpty, !y.isEmpty, (x + y).allSatisfy({ $0 > 0 }) else { continue }
                let fewest = metric.beyond.flatMap { beyond in (before + after).map(beyond).min() }
                samples.append((name, metric, x, y, fewest.flatMap { $0 < Self.fewestBeyondPercentile ? $0 : nil }))
            }
        }
        judgedMetrics = samples.filter { $0.tooFew == nil }.count
        confidencePerMetric = 1 - 2 * (1 - confidence) / Double(max(judgedMetrics, 1))
        let runsNeeded = Statistics.runsNeeded(confidence: confidencePerMetric)
        for (name, metric, x, y, tooFew) in samples {
            let change = Statistics.relativeChange(baseline: x, candidate: y, confidence: confidencePerMetric)
            let tolerance = metric.tolerance * toleranceScale
            var verdict = Verdict.noChange
            var judgement = "no change"
            var detectable: Double?
            if let tooFew {
                judgement = "not judged (\(Int(tooFew)) operations beyond it in a run; needs \(Int(Self.fewestBeyondPercentile)): longer runs)"
            } else if let low = change.low, let high = change.high {
                // Worse means higher for latencies and costs, lower for throughput; both compared as "worse by".
                let (worseBy, worseAtLeast, worseAtMost) = metric.lowerIsBetter
                    ? (change.estimate, low, high) : (-change.estimate, -high, -low)
                let noise = metric.lowerIsBetter ? (1 + change.estimate) / (1 + low) - 1 : 1 - (1 + change.estimate) / (1 + high)
                detectable = max(tolerance, noise)
                if worseAtLeast > 0, worseBy > tolerance {
                    (verdict, judgement) = (.regression, "**regression**")
                } else if worseAtMost < 0, -worseBy > tolerance {
                    (verdict, judgement) = (.improvementOnly, "improvement")
                } else if worseAtLeast > 0 || worseAtMost < 0 {
                    judgement = "no change (within tolerance)"
                } else {
                    judgement = "no change (within noise)"
                }
            } else {
                judgement = "not judged (\(x.count) vs \(y.count) runs; need \(runsNeeded) a side: --repeat)"
            }
            rows.append(Row(backend: name, metric: metric.name, baseline: Statistics.median(x), candidate: Statistics.median(y),
                            change: change.estimate, low: change.low, high: change.high, tolerance: tolerance,
                            detectable: detectable, judgement: judgement, verdict: verdict))
        }
    }

    /// What makes a run wrong whatever its speed: a backend that could not run, lost writes or inconsistent state,
    /// errors, or a harness that could not keep its schedule.
    public static func correctnessFailures(of document: ResultsDocument) -> [String] {
        var failures: [String] = []
        for result in document.backends {
            if let failure = result.failure { failures.append("\(result.backend): could not run: \(failure)") }
            if result.integrity.lost > 0 || !result.integrity.isIntact {
                failures.append("\(result.backend): lost writes or inconsistent state (\(result.integrity.problems.first ?? ""))")
            }
            if result.errorCount > 0 { failures.append("\(result.backend) repetition \(result.repetition + 1): \(result.errorCount) errors") }
            if let reason = result.invalidReason, result.failure == nil {
                failures.append("\(result.backend) repetition \(result.repetition + 1): invalid run: \(reason)")
            }
        }
        if !document.complete, failures.isEmpty { failures.append("the run is incomplete (interrupted)") }
        return failures
    }

    public var verdict: Verdict {
        correctnessFailures.isEmpty ? rows.map(\.verdict).max() ?? .noChange : .regression
    }

    /// Markdown fit for a pull-request comment.
    public func markdown() -> String {
        let summary: String
        switch verdict {
        case .noChange: summary = "No change: no metric is worse beyond its tolerance with 95% confidence."
        case .improvementOnly: summary = "Improvement only: some metrics are better beyond their tolerance with 95% confidence, none worse."
        case .regression: summary = correctnessFailures.isEmpty ? "**Regression**: some metrics are worse beyond their tolerance with 95% confidence." : "**Regression**: the candidate is not correct."
        }
        var lines = ["### SurgeBench comparison: \(candidate.configuration.scenario)", "", summary, ""]
        lines.append("Baseline: commit \(baseline.environment.shortCommit), \(repetitions(baseline)); candidate: commit "
            + "\(candidate.environment.shortCommit), \(repetitions(candidate)). Trace \(candidate.configuration.traceDigest). "
            + "Change is the Hodges-Lehmann estimate of candidate/baseline - 1 (the median over all pairs of runs); its interval "
            + "inverts the Mann-Whitney rank test at \(percentLevel(confidencePerMetric)) per metric, so that all \(judgedMetrics) "
            + "metrics judged together call a regression of identical builds at most \(percentLevel(1 - confidence)) of the time. A metric "
            + "is worse when its interval excludes no change and the estimate is beyond its tolerance; a percentile is judged only "
            + "when every run has \(Int(Self.fewestBeyondPercentile)) operations beyond it. \"detectable\" is the "
            + "smallest change for the worse these runs could have called (the tolerance, or the interval's reach below the "
            + "estimate when wider): \"no change\" says nothing about smaller changes. Compare runs made on one machine, "
            + "interleaved; backends compared with each other inside one run are shown as ratios (the p99 ratio rows below), "
            + "which hold when the machine's speed drifts.")
        lines.append("")
        if let blind = blindSpots() { lines.append(blind); lines.append("") }
        if let baselineProbe = baseline.environment.probe, let candidateProbe = candidate.environment.probe {
            lines.append("Machine probes: baseline \(baselineProbe.summary); candidate \(candidateProbe.summary).")
            lines.append("")
        }
        if let machineDifference {
            lines.append("- **not comparable**: the two sides ran on different machines (\(machineDifference)); the changes below "
                + "measure the machines, not the code. Run both on one machine (`make ci-compare` does).")
        }
        for failure in correctnessFailures { lines.append("- **correctness**: \(failure)") }
        for note in notes { lines.append("- \(note)") }
        if !correctnessFailures.isEmpty || !notes.isEmpty || machineDifference != nil { lines.append("") }
        let columns = ClassedColumns(ResultsTables.groups(candidate))
        let headers = Dictionary(columns.columns.map { ($0.name, ClassedColumns.header($0)) }) { first, _ in first }
        let table = Table(
            caption: "", header: ["backend (class)", "metric", "baseline", "candidate", "change", "\(percentLevel(confidencePerMetric)) interval", "tolerance",
                                  "detectable", "verdict"],
            rows: rows.map { row in
                let interval = row.low.flatMap { low in row.high.map { "\(percent(low)) to \(percent($0))" } } ?? "unbounded"
                return [headers[row.backend] ?? row.backend, row.metric, Figures.format(row.baseline), Figures.format(row.candidate), percent(row.change),
                        interval, "±\(Int((row.tolerance * 100).rounded()))%", row.detectable.map { worse(by: $0, row.metric) } ?? "-", row.judgement]
            } + ratioRows())
        lines.append(table.markdown())
        return lines.joined(separator: "\n")
    }

    /// p99 of each backend relative to the first one, within each run: how each moved against the same machine's
    /// drift, not how the stores compare (the first is named as the reference when it keeps nothing, or by its class).
    private func ratioRows() -> [[String]] {
        let names = ResultsTables.backendNames(candidate)
        guard names.count > 1, let reference = names.first else { return [] }
        let column = ClassedColumns(ResultsTables.groups(candidate)).columns[0]
        func ratio(_ document: ResultsDocument, _ name: String) -> Double? {
            let p99 = Statistics.median(document.backends.filter { $0.backend == name && $0.failure == nil }.map(\.response.p99Ms))
            let base = Statistics.median(document.backends.filter { $0.backend == reference && $0.failure == nil }.map(\.response.p99Ms))
            return p99 > 0 && base > 0 ? p99 / base : nil
        }
        return names.dropFirst().compactMap { name in
            guard let before = ratio(baseline, name), let after = ratio(candidate, name) else { return nil }
            return [name, "p99 ratio to \(ClassedColumns.header(column))", "\(Figures.format(before))x", "\(Figures.format(after))x",
                    percent(after / before - 1), "-", "-", "-", "(within-run ratio, for reading only)"]
        }
    }

    /// The metrics whose runs could not have caught a change for the worse of twice their tolerance, by backend: what
    /// "no change" does not cover in this comparison.
    private func blindSpots() -> String? {
        let blind = rows.filter { row in row.detectable.map { $0 > 2 * row.tolerance } ?? false }
        guard !blind.isEmpty else { return nil }
        let names = blind.map { row in "\(row.backend) \(row.metric) (\(row.detectable.map { worse(by: $0, row.metric) } ?? "not judged"))" }
        return "Too noisy in these runs to catch a change for the worse of twice their tolerance (the smallest they could catch in "
            + "brackets): " + names.joined(separator: ", ") + "."
    }

    /// A change for the worse of `fraction`, signed as the metric moves: +30% for a latency, -30% for throughput.
    private func worse(by fraction: Double, _ metric: String) -> String {
        let lowerIsBetter = Self.metrics.first { $0.name == metric }?.lowerIsBetter ?? true
        return String(format: "%@%.0f%%", lowerIsBetter ? "+" : "-", fraction * 100)
    }

    private func repetitions(_ document: ResultsDocument) -> String {
        let count = Set(document.backends.map(\.repetition)).count
        return count == 1 ? "1 run" : "\(count) repetitions"
    }

    private func percent(_ value: Double) -> String { String(format: "%+.1f%%", value * 100) }

    private func percentLevel(_ value: Double) -> String {
        let text = String(format: "%.2f", value * 100)
        return (text.hasSuffix(".00") ? String(text.dropLast(3)) : text) + "%"
    }
}

/// The comparison's verdict, rows and notes as JSON (`surgebench compare --json`), for scripts that judge many
/// comparisons (the CI gate's power measurement); the compared runs themselves are left out.
extension Comparison: Encodable {
    private enum CodingKeys: String, CodingKey {
        case verdict, confidence, confidencePerMetric, judgedMetrics, correctnessFailures, machineDifference, notes, rows
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(confidence, forKey: .confidence)
        try container.encode(confidencePerMetric, forKey: .confidencePerMetric)
        try container.encode(judgedMetrics, forKey: .judgedMetrics)
        try container.encode(correctnessFailures, forKey: .correctnessFailures)
        try container.encodeIfPresent(machineDifference, forKey: .machineDifference)
        try container.encode(notes, forKey: .notes)
        try container.encode(rows, forKey: .rows)
    }
}

import Foundation
import Harness
import SurgeCore
import Workload

/// Two runs of the same workload compared metric by metric. A change is judged only where its confidence interval lies
/// wholly beyond the metric's tolerance, and the intervals are wide enough that the whole comparison raises a false
/// alarm at most 1 - `confidence` of the time (Bonferroni over every metric judged), so that noise is not reported as
/// a regression.
public struct Comparison: Sendable {
    /// What the whole comparison found, as a CI step's exit code.
    public enum Verdict: Int32, Sendable, Comparable {
        case noChange = 0
        case improvementOnly = 2
        case regression = 3

        public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }
        private var rank: Int { self == .noChange ? 0 : self == .improvementOnly ? 1 : 2 }
    }

    /// A metric, whether lower is better, and the smallest relative change worth judging.
    public struct Metric: Sendable {
        public var name: String
        public var lowerIsBetter: Bool
        public var tolerance: Double
        var value: @Sendable (ResultsDocument.BackendResult) -> Double?
    }

    public static let metrics: [Metric] = [
        Metric(name: "achieved ops/s", lowerIsBetter: false, tolerance: 0.05) { $0.achievedPerSecond },
        Metric(name: "response p50 ms", lowerIsBetter: true, tolerance: 0.10) { $0.response.p50Ms },
        Metric(name: "response p99 ms", lowerIsBetter: true, tolerance: 0.25) { $0.response.p99Ms },
        Metric(name: "response p99.9 ms", lowerIsBetter: true, tolerance: 0.40) { $0.response.p999Ms },
        Metric(name: "service p50 ms", lowerIsBetter: true, tolerance: 0.10) { $0.service.p50Ms },
        Metric(name: "service p99 ms", lowerIsBetter: true, tolerance: 0.25) { $0.service.p99Ms },
        Metric(name: "peak p99 ms", lowerIsBetter: true, tolerance: 0.40) { $0.surge.peakP99Ms },
        Metric(name: "CPU µs / op", lowerIsBetter: true, tolerance: 0.15) { $0.cpuMicrosPerOperation },
        Metric(name: "bytes written / op", lowerIsBetter: true, tolerance: 0.15) { $0.bytesWrittenPerOperation },
    ]

    public struct Row: Sendable {
        public var backend: String
        public var metric: String
        public var baseline: Double
        public var candidate: Double
        public var change: Double
        /// The interval's bounds; nil when the runs are too few to bound it.
        public var low: Double?
        public var high: Double?
        public var tolerance: Double
        public var judgement: String
        public var verdict: Verdict
    }

    public var baseline: ResultsDocument
    public var candidate: ResultsDocument
    /// The chance that the whole comparison is right not to raise an alarm on identical builds.
    public var confidence: Double
    /// The confidence of each metric's interval: `confidence` shared out over the metrics judged (Bonferroni).
    public var confidencePerMetric: Double
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

        // Every metric both sides measured with positive values, then one confidence shared out over all of them.
        var samples: [(backend: String, metric: Metric, before: [Double], after: [Double])] = []
        for name in common {
            let before = baseline.backends.filter { $0.backend == name && $0.failure == nil }
            let after = candidate.backends.filter { $0.backend == name && $0.failure == nil }
            for metric in Self.metrics {
                let x = before.compactMap(metric.value)
                let y = after.compactMap(metric.value)
                guard !x.isEmpty, !y.isEmpty, (x + y).allSatisfy({ $0 > 0 }) else { continue }
                samples.append((name, metric, x, y))
            }
        }
        confidencePerMetric = 1 - (1 - confidence) / Double(max(samples.count, 1))
        let runsNeeded = Statistics.runsNeeded(confidence: confidencePerMetric)
        for (name, metric, x, y) in samples {
            let change = Statistics.relativeChange(baseline: x, candidate: y, confidence: confidencePerMetric)
            let tolerance = metric.tolerance * toleranceScale
            var verdict = Verdict.noChange
            var judgement = "no change"
            if let low = change.low, let high = change.high {
                let worse = metric.lowerIsBetter ? low > tolerance : high < -tolerance
                let better = metric.lowerIsBetter ? high < -tolerance : low > tolerance
                if worse {
                    (verdict, judgement) = (.regression, "**regression**")
                } else if better {
                    (verdict, judgement) = (.improvementOnly, "improvement")
                } else if low > 0 || high < 0 {
                    judgement = "no change (within tolerance)"
                } else {
                    judgement = "no change (within noise)"
                }
            } else {
                judgement = "not judged (\(x.count) vs \(y.count) runs; need \(runsNeeded) a side: --repeat)"
            }
            rows.append(Row(backend: name, metric: metric.name, baseline: Statistics.median(x), candidate: Statistics.median(y),
                            change: change.estimate, low: change.low, high: change.high, tolerance: tolerance,
                            judgement: judgement, verdict: verdict))
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
        case .noChange: summary = "No change: no metric moved beyond its tolerance with 95% confidence."
        case .improvementOnly: summary = "Improvement only: some metrics are better with 95% confidence, none worse."
        case .regression: summary = correctnessFailures.isEmpty ? "**Regression**: some metrics are worse with 95% confidence." : "**Regression**: the candidate is not correct."
        }
        var lines = ["### SurgeBench comparison: \(candidate.configuration.scenario)", "", summary, ""]
        lines.append("Baseline: commit \(baseline.environment.shortCommit), \(repetitions(baseline)); candidate: commit "
            + "\(candidate.environment.shortCommit), \(repetitions(candidate)). Trace \(candidate.configuration.traceDigest). "
            + "Change is the Hodges-Lehmann estimate of candidate/baseline - 1 (the median over all pairs of runs); its interval "
            + "inverts the Mann-Whitney rank test at \(percentLevel(confidencePerMetric)) per metric, so that all \(rows.count) "
            + "metrics together raise a false alarm at most \(percentLevel(1 - confidence)) of the time. A metric is judged only "
            + "when the whole interval is beyond its tolerance. Compare runs made on one machine, interleaved; backends compared "
            + "with each other inside one run are shown as ratios (the p99 ratio rows below), which hold when the machine's speed drifts.")
        lines.append("")
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
            caption: "", header: ["backend (class)", "metric", "baseline", "candidate", "change", "\(percentLevel(confidencePerMetric)) interval", "tolerance", "verdict"],
            rows: rows.map { row in
                let interval = row.low.flatMap { low in row.high.map { "\(percent(low)) to \(percent($0))" } } ?? "unbounded"
                return [headers[row.backend] ?? row.backend, row.metric, Figures.format(row.baseline), Figures.format(row.candidate), percent(row.change),
                        interval, "±\(Int((row.tolerance * 100).rounded()))%", row.judgement]
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
                    percent(after / before - 1), "-", "-", "(within-run ratio, for reading only)"]
        }
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

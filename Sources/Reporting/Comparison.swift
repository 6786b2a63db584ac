import Foundation
import Workload

/// Two runs of the same workload compared metric by metric, judged only where a bootstrap confidence interval of the
/// change clears the metric's tolerance, so that noise is not reported as a regression.
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

    /// Repetitions each side needs before a change is judged.
    public static let minimumRepetitions = 3

    public struct Row: Sendable {
        public var backend: String
        public var metric: String
        public var baseline: Double
        public var candidate: Double
        public var change: Double
        public var low: Double
        public var high: Double
        public var tolerance: Double
        public var judgement: String
        public var verdict: Verdict
    }

    public var baseline: ResultsDocument
    public var candidate: ResultsDocument
    public var rows: [Row] = []
    /// Correctness failures of the candidate: any of them is a regression whatever the statistics say.
    public var correctnessFailures: [String] = []
    public var notes: [String] = []

    /// Compares two runs; throws when they are not runs of the same workload or share no backend.
    public init(baseline: ResultsDocument, candidate: ResultsDocument, scale toleranceScale: Double = 1) throws(WorkloadError) {
        self.baseline = baseline
        self.candidate = candidate
        let a = baseline.configuration
        let b = candidate.configuration
        guard a.scenario == b.scenario, a.scenarioDigest == b.scenarioDigest else {
            throw WorkloadError("the runs replay different scenarios ('\(a.scenario)' \(a.scenarioDigest) vs '\(b.scenario)' \(b.scenarioDigest)); compare runs of one scenario, scale and duration")
        }
        guard a.traceDigest == b.traceDigest else {
            throw WorkloadError("the runs replay different traces (\(a.traceDigest) vs \(b.traceDigest)): same scenario but another seed; compare runs of one trace")
        }
        if a.mode != b.mode || a.workers != b.workers {
            notes.append("The runs differ in mode or workers (\(a.mode.rawValue)/\(a.workers) vs \(b.mode.rawValue)/\(b.workers)).")
        }
        let common = MarkdownTable.backendNames(candidate).filter { name in baseline.backends.contains { $0.backend == name } }
        guard !common.isEmpty else {
            throw WorkloadError("the runs share no backend (\(MarkdownTable.backendNames(baseline).joined(separator: ", ")) vs \(MarkdownTable.backendNames(candidate).joined(separator: ", ")))")
        }
        for result in candidate.backends {
            if let failure = result.failure { correctnessFailures.append("\(result.backend): could not run: \(failure)") }
            if result.integrity.lost > 0 || !result.integrity.isIntact {
                correctnessFailures.append("\(result.backend): lost writes or inconsistent state (\(result.integrity.problems.first ?? ""))")
            }
            if result.errorCount > 0 { correctnessFailures.append("\(result.backend) repetition \(result.repetition + 1): \(result.errorCount) errors") }
            if let reason = result.invalidReason, result.failure == nil {
                correctnessFailures.append("\(result.backend) repetition \(result.repetition + 1): invalid run: \(reason)")
            }
        }
        for name in common {
            let before = baseline.backends.filter { $0.backend == name && $0.failure == nil }
            let after = candidate.backends.filter { $0.backend == name && $0.failure == nil }
            for metric in Self.metrics {
                let x = before.compactMap(metric.value)
                let y = after.compactMap(metric.value)
                guard !x.isEmpty, !y.isEmpty, Statistics.median(x) > 0 else { continue }
                let interval = Statistics.bootstrapRelativeChange(baseline: x, candidate: y)
                let tolerance = metric.tolerance * toleranceScale
                var verdict = Verdict.noChange
                var judgement = "no change"
                if x.count < Self.minimumRepetitions || y.count < Self.minimumRepetitions {
                    judgement = "not judged (\(x.count) vs \(y.count) runs; need \(Self.minimumRepetitions) each: --repeat)"
                } else {
                    let worse = metric.lowerIsBetter ? interval.low > tolerance : interval.high < -tolerance
                    let better = metric.lowerIsBetter ? interval.high < -tolerance : interval.low > tolerance
                    if worse {
                        (verdict, judgement) = (.regression, "**regression**")
                    } else if better {
                        (verdict, judgement) = (.improvementOnly, "improvement")
                    } else if interval.low > 0 || interval.high < 0 {
                        judgement = "no change (within tolerance)"
                    } else {
                        judgement = "no change (within noise)"
                    }
                }
                rows.append(Row(backend: name, metric: metric.name, baseline: Statistics.median(x), candidate: Statistics.median(y),
                                change: interval.estimate, low: interval.low, high: interval.high, tolerance: tolerance,
                                judgement: judgement, verdict: verdict))
            }
        }
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
        lines.append("Baseline: commit \(baseline.environment.gitCommit.prefix(12)), \(repetitions(baseline)); candidate: commit "
            + "\(candidate.environment.gitCommit.prefix(12)), \(repetitions(candidate)). Trace \(candidate.configuration.traceDigest). "
            + "Change is median(candidate)/median(baseline) - 1 with a 95% bootstrap interval; a metric is judged only when the whole "
            + "interval is beyond its tolerance. Runs on different days or machines also differ by the machine's drift; backends "
            + "compared with each other inside one run are compared as ratios (see the p99 ratio rows below), which hold when the "
            + "machine's speed drifts.")
        lines.append("")
        for failure in correctnessFailures { lines.append("- **correctness**: \(failure)") }
        for note in notes { lines.append("- \(note)") }
        if !correctnessFailures.isEmpty || !notes.isEmpty { lines.append("") }
        let table = Table(
            caption: "", header: ["backend", "metric", "baseline", "candidate", "change", "95% interval", "tolerance", "verdict"],
            rows: rows.map { row in
                [row.backend, row.metric, MarkdownTable.format(row.baseline), MarkdownTable.format(row.candidate), percent(row.change),
                 "\(percent(row.low)) to \(percent(row.high))", "±\(Int((row.tolerance * 100).rounded()))%", row.judgement]
            } + ratioRows())
        lines.append(table.markdown())
        return lines.joined(separator: "\n")
    }

    /// p99 of each backend relative to the first one, within each run.
    private func ratioRows() -> [[String]] {
        let names = MarkdownTable.backendNames(candidate)
        guard names.count > 1, let reference = names.first else { return [] }
        func ratio(_ document: ResultsDocument, _ name: String) -> Double? {
            let p99 = Statistics.median(document.backends.filter { $0.backend == name && $0.failure == nil }.map(\.response.p99Ms))
            let base = Statistics.median(document.backends.filter { $0.backend == reference && $0.failure == nil }.map(\.response.p99Ms))
            return p99 > 0 && base > 0 ? p99 / base : nil
        }
        return names.dropFirst().compactMap { name in
            guard let before = ratio(baseline, name), let after = ratio(candidate, name) else { return nil }
            return [name, "p99 ratio to \(reference)", "\(MarkdownTable.format(before))x", "\(MarkdownTable.format(after))x",
                    percent(after / before - 1), "-", "-", "(within-run ratio, for reading only)"]
        }
    }

    private func repetitions(_ document: ResultsDocument) -> String {
        let count = Set(document.backends.map(\.repetition)).count
        return count == 1 ? "1 run" : "\(count) repetitions"
    }

    private func percent(_ value: Double) -> String { String(format: "%+.1f%%", value * 100) }
}

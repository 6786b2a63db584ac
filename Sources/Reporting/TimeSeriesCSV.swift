import Harness

/// `timeseries.csv`: one row per backend, repetition and second of the schedule; `faults` names the faults made in
/// that second (`kill-master@24s`, several separated by `;`).
public enum TimeSeriesCSV {
    public static let header = "backend,repetition,second,offered_ops,achieved_ops,p50_ms,p99_ms,max_ms,late_starts,errors,faults\n"

    public static func rows(backend: String, repetition: Int, series: [SecondSample], faults: [FaultRecord] = []) -> String {
        series.map { sample in
            let made = faults.filter { Int($0.startedSeconds.rounded(.down)) == sample.second }.map(\.fault.description)
            return "\(backend),\(repetition),\(sample.second),\(sample.offered),\(sample.achieved),\(format(sample.p50Ms)),\(format(sample.p99Ms)),"
                + "\(format(sample.maxMs)),\(sample.lateStarts),\(sample.errors),\(made.joined(separator: ";"))\n"
        }.joined()
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}

import Foundation

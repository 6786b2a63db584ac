import Harness

/// `timeseries.csv`: one row per backend, repetition and second of the schedule.
public enum TimeSeriesCSV {
    public static let header = "backend,repetition,second,offered_ops,achieved_ops,p50_ms,p99_ms,max_ms,late_starts,errors\n"

    public static func rows(backend: String, repetition: Int, series: [SecondSample]) -> String {
        series.map { sample in
            "\(backend),\(repetition),\(sample.second),\(sample.offered),\(sample.achieved),\(format(sample.p50Ms)),\(format(sample.p99Ms)),"
                + "\(format(sample.maxMs)),\(sample.lateStarts),\(sample.errors)\n"
        }.joined()
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}

import Foundation

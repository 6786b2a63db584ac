import Foundation
import SurgeCore
import Workload

/// A results folder read back for reports and comparisons: `results.json`, `timeseries.csv` and the `.hgrm` files.
public struct ResultsFolder: Sendable {
    public var path: String
    public var document: ResultsDocument
    /// Per backend (and repetition, in file order): the 1-second series.
    public var series: [String: [SeriesRow]]
    /// Per backend: the all-operations response-time percentile spectrum (percentile, milliseconds).
    public var spectrum: [String: [(percentile: Double, ms: Double)]]

    public struct SeriesRow: Sendable, Hashable {
        public var second: Int
        public var offered: Double
        public var achieved: Double
        public var p50Ms: Double
        public var p99Ms: Double
        public var maxMs: Double
    }

    /// Reads a folder; says exactly what is missing or damaged.
    public init(path: String) throws(BenchmarkError) {
        self.path = path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BenchmarkError("'\(path)' does not exist; give a results folder written by `surgebench run`")
        }
        guard isDirectory.boolValue else {
            throw BenchmarkError("'\(path)' is a file; give the results folder that holds results.json")
        }
        document = try ResultsDocument.read(path: (path as NSString).appendingPathComponent("results.json"))
        series = try Self.readSeries((path as NSString).appendingPathComponent("timeseries.csv"))
        spectrum = [:]
        for result in document.backends where result.failure == nil && spectrum[result.backend] == nil {
            guard let file = result.histogramFiles["all"] else { continue }
            let hgrmPath = (path as NSString).appendingPathComponent(file)
            guard let text = try? String(contentsOfFile: hgrmPath, encoding: .utf8) else {
                throw BenchmarkError("results folder '\(path)' lacks \(file), which results.json lists; the folder is incomplete")
            }
            spectrum[result.backend] = try Self.parseHGRM(text, file: hgrmPath)
        }
    }

    static func readSeries(_ path: String) throws(BenchmarkError) -> [String: [SeriesRow]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw BenchmarkError("cannot read '\(path)'; the results folder is incomplete")
        }
        var lines = text.split(separator: "\n")
        guard let header = lines.first else {
            throw BenchmarkError("'\(path)' is empty; the results folder is incomplete")
        }
        // Columns are found by name, so that a later version may add columns.
        let names = header.split(separator: ",").map(String.init)
        let required = ["backend", "second", "offered_ops", "achieved_ops", "p50_ms", "p99_ms", "max_ms"]
        var column: [String: Int] = [:]
        for name in required {
            guard let index = names.firstIndex(of: name) else {
                throw BenchmarkError("'\(path)' is not a SurgeBench time series (no '\(name)' column)")
            }
            column[name] = index
        }
        lines.removeFirst()
        var result: [String: [SeriesRow]] = [:]
        for (number, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func field(_ name: String) -> String? { fields.count == names.count ? fields[column[name]!] : nil }
            guard let backend = field("backend"), let second = field("second").flatMap(Int.init),
                  let offered = field("offered_ops").flatMap(Double.init), let achieved = field("achieved_ops").flatMap(Double.init),
                  let p50 = field("p50_ms").flatMap(Double.init), let p99 = field("p99_ms").flatMap(Double.init),
                  let max = field("max_ms").flatMap(Double.init) else {
                throw BenchmarkError("'\(path)' line \(number + 2) is damaged: '\(line.prefix(80))'")
            }
            result[backend, default: []].append(SeriesRow(second: second, offered: offered, achieved: achieved, p50Ms: p50, p99Ms: p99, maxMs: max))
        }
        return result
    }

    /// The (percentile, value) rows of an `.hgrm` percentile distribution.
    static func parseHGRM(_ text: String, file: String) throws(BenchmarkError) -> [(percentile: Double, ms: Double)] {
        var rows: [(Double, Double)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let value = Double(fields[0]), let percentile = Double(fields[1]) else { continue }
            rows.append((percentile, value))
        }
        guard !rows.isEmpty || text.contains("Total count    =            0") else {
            throw BenchmarkError("'\(file)' is not an HdrHistogram percentile distribution")
        }
        guard text.contains("#[Max") && text.contains("Total count") else {
            throw BenchmarkError("'\(file)' is truncated (it lacks the #[Max ...] and Total count lines every .hgrm ends with); the results folder is damaged")
        }
        return rows
    }
}

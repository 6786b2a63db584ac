import Foundation
import SurgeCore
import Workload

/// What `surgebench report` makes of folders: each read as the kind of folder it is (a run, a capacity search, a
/// growth curve or a crash campaign), then rendered as Markdown tables and one self-contained HTML page.
public struct ResultsReport {
    public var runs: [ResultsFolder] = []
    public var capacities: [CapacityDocument] = []
    public var growths: [GrowthDocument] = []
    public var crashes: [CrashDocument] = []

    /// Reads every folder; throws naming the first one that is missing or damaged.
    public init(reading paths: [String]) throws(BenchmarkError) {
        for path in paths {
            let capacityFile = (path as NSString).appendingPathComponent("capacity.json")
            let growthFile = (path as NSString).appendingPathComponent("growth.json")
            let crashFile = (path as NSString).appendingPathComponent("crash.json")
            if FileManager.default.fileExists(atPath: crashFile) {
                crashes.append(try CrashDocument.read(path: crashFile))
            } else if FileManager.default.fileExists(atPath: capacityFile) {
                capacities.append(try CapacityDocument.read(path: capacityFile))
            } else if FileManager.default.fileExists(atPath: growthFile) {
                growths.append(try GrowthDocument.read(path: growthFile))
            } else {
                runs.append(try ResultsFolder(path: path))
            }
        }
    }

    private var sizing: [Table] { SizingTable.tables(capacities) }

    /// The tables of every folder, in Markdown.
    public func markdown() -> String {
        var text = runs.map { ResultsTables.render($0.document) }.joined(separator: "\n")
        if !sizing.isEmpty {
            text += "\n### Sizing for the October 2021 surge\n\n" + sizing.map { $0.markdown() }.joined(separator: "\n") + "\n"
                + capacities.map { $0.trialsTable.markdown() }.joined(separator: "\n")
        }
        for growth in growths { text += "\n### Cost growth with data size\n\n" + growth.table.markdown() }
        if !crashes.isEmpty { text += "\n### Durability under crashes\n\n" + CrashDocument.markdown(crashes) }
        return text
    }

    /// The same figures with charts, as one HTML page that needs no network.
    public func html() -> String {
        HTMLReport.render(runs, sizing: sizing, capacities: capacities, growths: growths, crashes: crashes)
    }
}

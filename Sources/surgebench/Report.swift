import ArgumentParser
import Foundation
import Reporting
import Workload

extension SurgeBench {
    /// `surgebench report RUN...`: Markdown tables and one self-contained HTML page.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn results folders into Markdown tables and one self-contained HTML page with charts.",
            discussion: "Capacity folders (from `surgebench capacity`) add a sizing table for the October 2021 surge; growth folders (from "
                + "`surgebench grow`) add the cost-growth table and charts; crash folders (from `surgebench crash`) the durability matrix.")

        @Argument(help: "Results folders written by `surgebench run`, `surgebench capacity`, `surgebench grow` or `surgebench crash`.")
        var runs: [String]

        @Option(help: "Where to write the HTML page.")
        var html = "report.html"

        @Option(help: "Write the Markdown here instead of printing it.")
        var markdown: String?

        func validate() throws {
            guard !runs.isEmpty else { throw ValidationError("give at least one results folder") }
        }

        func run() throws {
            var folders: [ResultsFolder] = []
            var capacities: [CapacityDocument] = []
            var growths: [GrowthDocument] = []
            var crashes: [CrashDocument] = []
            for path in runs {
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
                    folders.append(try ResultsFolder(path: path))
                }
            }
            let sizing = capacities.isEmpty ? nil : SizingTable.table(capacities)
            var text = folders.map { ResultsTables.render($0.document) }.joined(separator: "\n")
            if let sizing {
                text += "\n### Sizing for the October 2021 surge\n\n" + sizing.markdown() + "\n"
                    + capacities.map { $0.trialsTable.markdown() }.joined(separator: "\n")
            }
            for growth in growths { text += "\n### Cost growth with data size\n\n" + growth.table.markdown() }
            if !crashes.isEmpty { text += "\n### Durability under crashes\n\n" + CrashDocument.markdown(crashes) }
            try AtomicFile.write(HTMLReport.render(folders, sizing: sizing, capacities: capacities, growths: growths, crashes: crashes), to: html)
            if let markdown {
                try AtomicFile.write(text, to: markdown)
                print("wrote \(markdown) and \(html)")
            } else {
                print(text)
                print("wrote \(html)")
            }
        }
    }
}

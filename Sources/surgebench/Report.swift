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
                + "`surgebench grow`) add the cost-growth table and charts.")

        @Argument(help: "Results folders written by `surgebench run`, `surgebench capacity` or `surgebench grow`.")
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
            for path in runs {
                let capacityFile = (path as NSString).appendingPathComponent("capacity.json")
                let growthFile = (path as NSString).appendingPathComponent("growth.json")
                if FileManager.default.fileExists(atPath: capacityFile) {
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
            try AtomicFile.write(HTMLReport.render(folders, sizing: sizing, capacities: capacities, growths: growths), to: html)
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

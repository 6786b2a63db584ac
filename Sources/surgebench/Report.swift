import ArgumentParser
import Foundation
import Reporting
import StoreCatalog
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
            var report = try ResultsReport(reading: runs)
            report.fillUnrecordedClasses(BackendCatalog.durabilityClass)
            let text = report.markdown()
            try AtomicFile.write(report.html(), to: html)
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

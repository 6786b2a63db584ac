import ArgumentParser
import Foundation
import Reporting
import Workload

extension SurgeBench {
    /// `surgebench report RUN...`: Markdown tables and one self-contained HTML page.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Turn results folders into Markdown tables and one self-contained HTML page with charts.")

        @Argument(help: "Results folders written by `surgebench run`.")
        var runs: [String]

        @Option(help: "Where to write the HTML page.")
        var html = "report.html"

        @Option(help: "Write the Markdown here instead of printing it.")
        var markdown: String?

        func validate() throws {
            guard !runs.isEmpty else { throw ValidationError("give at least one results folder") }
        }

        func run() throws {
            let folders = try runs.map { try RunFolder(path: $0) }
            let text = folders.map { MarkdownTable.render($0.document) }.joined(separator: "\n")
            try AtomicFile.write(HTMLReport.render(folders), to: html)
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

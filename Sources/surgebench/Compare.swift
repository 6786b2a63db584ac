import ArgumentParser
import Foundation
import Reporting
import Workload

extension SurgeBench {
    /// `surgebench compare BASELINE CANDIDATE`: noise-aware comparison with exit codes for CI.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two runs of one trace, judging a change only where its 95% interval clears the metric's tolerance.",
            discussion: """
                Each run should come from `surgebench run --repeat 3` (or more): with fewer repetitions changes are shown but \
                not judged. Exit codes: 0 no change, 2 improvement only, 3 regression (or the candidate lost writes, had \
                errors or an invalid run), 1 or 64 bad input.
                """)

        @Argument(help: "The baseline results folder.")
        var baseline: String

        @Argument(help: "The candidate results folder.")
        var candidate: String

        @Option(help: "Multiply every metric's tolerance (2 halves the sensitivity).")
        var toleranceScale: Double = 1

        @Option(help: "Also write the Markdown here (for a pull-request comment).")
        var markdown: String?

        func validate() throws {
            guard toleranceScale > 0, toleranceScale.isFinite else { throw ValidationError("--tolerance-scale must be positive") }
        }

        func run() throws {
            let before = try ResultsDocument.read(path: Self.resultsFile(baseline))
            let after = try ResultsDocument.read(path: Self.resultsFile(candidate))
            let comparison = try Comparison(baseline: before, candidate: after, scale: toleranceScale)
            let text = comparison.markdown()
            print(text)
            if let markdown { try AtomicFile.write(text, to: markdown) }
            if comparison.verdict != .noChange { throw ExitCode(comparison.verdict.rawValue) }
        }

        /// A folder's results.json, or the file itself.
        static func resultsFile(_ path: String) -> String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                return (path as NSString).appendingPathComponent("results.json")
            }
            return path
        }
    }
}

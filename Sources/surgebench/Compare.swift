import ArgumentParser
import Foundation
import Reporting
import StoreCatalog
import Workload

extension SurgeBench {
    /// `surgebench compare BASELINE CANDIDATE`: noise-aware comparison with exit codes for CI.
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two runs of one trace, calling a change only where it is both real and beyond the metric's tolerance.",
            discussion: """
                Each side is a results folder from `surgebench run --repeat N`, or a folder of such folders (runs made one \
                by one, pooled as repetitions). Intervals are wide enough that a comparison of identical builds raises a \
                false alarm at most 1 - confidence of the time, so they need enough repetitions: with 4 backends about 6 a \
                side (fewer are shown, not judged); each metric's "detectable" column says how large a change its runs could \
                have caught. Compare runs made on one machine, interleaved; when the machine probes \
                of the two sides differ, compare says the runs are not comparable. Exit codes: 0 no change, 2 improvement \
                only, 3 regression (or the candidate lost writes, had errors or an invalid run), 1 or 64 bad input.
                """)

        @Argument(help: "The baseline: a results folder, or a folder of results folders.")
        var baseline: String

        @Argument(help: "The candidate: a results folder, or a folder of results folders.")
        var candidate: String

        @Option(help: "Multiply every metric's tolerance (2 halves the sensitivity).")
        var toleranceScale: Double = 1

        @Option(help: "The chance that the comparison of identical builds raises no false alarm, shared over all metrics.")
        var confidence: Double = 0.95

        @Option(help: "Also write the Markdown here (for a pull-request comment).")
        var markdown: String?

        @Option(help: "Also write the verdict and every metric's row as JSON here (for scripts).")
        var json: String?

        func validate() throws {
            guard toleranceScale > 0, toleranceScale.isFinite else { throw ValidationError("--tolerance-scale must be positive") }
            guard confidence >= 0.5, confidence < 1 else { throw ValidationError("--confidence must be from 0.5 to below 1, got \(confidence)") }
        }

        func run() throws {
            var before = try ResultsDocument.read(runAt: baseline)
            var after = try ResultsDocument.read(runAt: candidate)
            before.fillUnrecordedClasses(BackendCatalog.durabilityClass)
            after.fillUnrecordedClasses(BackendCatalog.durabilityClass)
            let comparison = try Comparison(baseline: before, candidate: after, scale: toleranceScale, confidence: confidence)
            let text = comparison.markdown()
            print(text)
            if let difference = comparison.machineDifference {
                FileHandle.standardError.write(Data("warning: the runs are not comparable: they ran on different machines (\(difference))\n".utf8))
            }
            if let markdown { try AtomicFile.write(text, to: markdown) }
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try AtomicFile.write(String(decoding: try encoder.encode(comparison), as: UTF8.self) + "\n", to: json)
            }
            if comparison.verdict != .noChange { throw ExitCode(comparison.verdict.rawValue) }
        }
    }
}

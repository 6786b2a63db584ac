import ArgumentParser
import Foundation
import Orchestration
import Reporting

extension SurgeBench {
    /// `surgebench check RUN`: the correctness gates of `compare`, for a run that has nothing to be compared with.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fail when a run lost writes, had errors, was invalid or could not run (compare's correctness gates).",
            discussion: "Exit codes: 0 correct, 3 not correct (as `compare` says of a regression), 1 or 64 bad input.")

        @Argument(help: "A results folder, or a folder of results folders.")
        var folder: String

        func run() throws {
            let document = try ResultsDocument.read(runAt: folder)
            let failures = Comparison.correctnessFailures(of: document)
            let runs = Set(document.backends.map(\.repetition)).count
            if failures.isEmpty {
                say("\(folder): correct (\(document.backends.count) backend runs over \(runs) repetitions: nothing lost, no errors, all valid)")
                return
            }
            say("\(folder): NOT CORRECT")
            for failure in failures { say("- \(failure)") }
            throw ExitCode(Comparison.Verdict.regression.rawValue)
        }
    }
}

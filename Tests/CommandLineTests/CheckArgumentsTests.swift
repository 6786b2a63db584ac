import Foundation
import Testing
import TestSupport

/// `SURGEBENCH_CHECK_ARGUMENTS`: a command line parsed and validated by the binary but never run, which is how the
/// command lines of the Kubernetes manifests are checked (Tests/Manifests/check_manifests.py).
@Suite("Checking a command line without running it")
struct CheckArgumentsTests {
    private let checkOnly = ["SURGEBENCH_CHECK_ARGUMENTS": "1"]

    @Test("a valid command line is accepted and nothing runs: no results folder, no server")
    func validLineRunsNothing() throws {
        let directory = try ScratchDirectory()
        let (status, output) = try BuiltProducts.surgebench(
            ["run", "--scenario", "smoke", "--backends", "memory,postgres", "--out", "out"], in: directory, environment: checkOnly)
        #expect(status == 0, "\(output)")
        #expect(output.contains("the command line is valid"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("out")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { $0.hasPrefix(".surgebench-output-") })
    }

    @Test("an invalid command line gets the very error and exit status the real run gives", arguments: [
        ["run", "--no-such-option"],
        ["run", "--backends", "no-such-store"],
        ["run", "--shard", "auto/4"],  // no JOB_COMPLETION_INDEX here
        ["run", "--start-at", "tomorrow"],
        ["merge", "--out", "merged"],
    ])
    func invalidLineFailsAsARunWould(arguments: [String]) throws {
        let directory = try ScratchDirectory()
        let checked = try BuiltProducts.surgebench(arguments, in: directory, environment: checkOnly)
        let real = try BuiltProducts.surgebench(arguments, in: directory)
        #expect(checked.status != 0 && !checked.output.contains("the command line is valid"), "\(checked.output)")
        #expect(checked.status == real.status && checked.output == real.output)
    }
}

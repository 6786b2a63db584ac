import ArgumentParser
import Reporting
import Workload

extension SurgeBench {
    /// `surgebench generate`: write a trace once, replay it anywhere.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a scenario's deterministic binary trace (same scenario, scale and seed: same bytes).")

        @OptionGroup var workload: WorkloadOptions

        @Option(name: .shortAndLong, help: "Where to write the trace.")
        var out: String

        func run() throws {
            let (header, digest, operations) = try workload.generateTrace(to: out)
            print("wrote \(out): \(operations) operations, seed \(header.seed), scale \(header.scale), "
                  + "scenario digest \(hex(header.scenarioDigest)), trace digest \(hex(digest))")
        }
    }
}


import ArgumentParser
import Orchestration
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
            let scenario = try workload.effectiveScenario()
            let trace = try TracePlanning.generate(scenario, seed: workload.seed ?? scenario.seed, scale: workload.scale, to: out)
            print("wrote \(out): \(trace.operations) operations, seed \(trace.header.seed), scale \(trace.header.scale), "
                  + "scenario digest \(hex(trace.header.scenarioDigest)), trace digest \(hex(trace.digest))")
        }
    }
}


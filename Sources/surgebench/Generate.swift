import ArgumentParser
import Foundation
import Orchestration
import Reporting
import SurgeCore
import Workload

extension SurgeBench {
    /// `surgebench generate`: write a trace once, replay it anywhere.
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a scenario's deterministic binary trace (same scenario, scale and seed: same bytes).")

        @OptionGroup var workload: WorkloadOptions

        @Option(name: .shortAndLong, help: "Where to write the trace.")
        var out: String

        @Option(help: ArgumentHelp("Write only the communities c with c % COUNT == INDEX (see `run --shard`).", valueName: "INDEX/COUNT"))
        var shard: String?

        @Option(help: "Threads generating communities at once (default: one per core); the trace is the same whatever the number.")
        var threads = ProcessInfo.processInfo.activeProcessorCount

        func validate() throws {
            guard (1...256).contains(threads) else { throw ValidationError("--threads must be from 1 to 256, got \(threads)") }
        }

        func run() throws {
            let scenario = try workload.effectiveScenario()
            installInterruptHandler()
            let shard = try shard.map { (text) throws(BenchmarkError) in try Shard(parsing: text, environment: ProcessInfo.processInfo.environment) }
            let started = Date()
            let trace = try TracePlanning.generate(scenario, seed: workload.seed ?? scenario.seed, scale: workload.scale, shard: shard ?? .whole,
                                                   threads: threads, to: out, stop: interruption)
            let seconds = Date().timeIntervalSince(started)
            print("wrote \(out): \(trace.operations) operations (\(scenario.communityCount) communities\(shard.map { ", shard \($0)" } ?? "")), "
                  + "seed \(trace.header.seed), scale \(trace.header.scale), scenario digest \(Figures.hex(trace.header.scenarioDigest)), "
                  + "trace digest \(Figures.hex(trace.digest)); "
                  + String(format: "%.2f s, %.2f M operations/s on %d threads", seconds, Double(trace.operations) / max(seconds, 1e-9) / 1e6, threads))
        }
    }
}


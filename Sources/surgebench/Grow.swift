import ArgumentParser
import Foundation
import Harness
import Orchestration
import Reporting
import StoreCatalog
import SurgeCore
import Workload

extension SurgeBench {
    /// `surgebench grow`: how each backend's cost grows with the data it holds.
    struct Grow: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure how each backend's latency and throughput change as its store grows.",
            discussion: """
                Grows one store per backend to each size in turn (users, direct chats and messages in blocks of 100,000 \
                messages, written with the backend's fastest durability and timed as the load rate), and at each size replays \
                a short steady mix on it at a fixed rate (p50/p99 per operation, bytes written per operation) and back to back \
                (throughput), with the options given. Writes growth.json and growth.md; `surgebench report` draws the curve. \
                The store directories are temporary and removed at the end; a size needs about 0.5 KB of disk per message \
                per backend.
                """)

        @Option(help: "Backends to grow, comma-separated (those with a path= option).")
        var backends = BackendCatalog.persistentEmbeddedStores.map(\.name).joined(separator: ",")

        @Option(help: "Messages to hold at each measurement, increasing, comma-separated (1e5 forms accepted); rounded up to 100,000.")
        var sizes = "1e5,1e6"

        @Option(help: "A built-in scenario or a .yaml file whose mix to replay at each size.")
        var scenario = "steady"

        @Option(help: "Multiply the scenario's population and rates by this factor.")
        var scale: Double = 1

        @Option(help: "Seconds of schedule per measurement.")
        var seconds: Double = 10

        @OptionGroup var backendOptions: BackendOptionFlags
        @OptionGroup var durability: DurabilityClassFlag
        var options: [String] { backendOptions.assignments }

        @Option(help: "Worker threads, each with its own connection (loading and measuring).")
        var workers = 8

        @Option(help: "Output folder; default: results/runs/<UTC time>-grow.")
        var out: String?

        func validate() throws {
            do throws(BenchmarkError) {
                _ = try GrowthCurve.checkSizes(parsedSizes())
                for (descriptor, options) in try selectBackends(backends, options: options, durability: durability.durabilityClass).chosen { try GrowthCurve.check(descriptor, options: options) }
                try Limits.check("seconds", seconds, in: 2...3_600)
                try Limits.check("workers", workers, in: Limits.workers)
                try Limits.checkScale(scale)
            } catch { throw ValidationError(error.message) }
            if let out, out.isEmpty { throw ValidationError("--out is empty; give a folder, or leave --out out for the default") }
        }

        /// `1e5,2000000` as numbers of messages.
        func parsedSizes() throws(BenchmarkError) -> [Int] {
            try sizes.split(separator: ",").map { (text) throws(BenchmarkError) -> Int in
                guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 1,
                      value <= Double(GrowthCurve.maximumMessages), value == value.rounded() else {
                    throw BenchmarkError("--sizes: '\(text)' is not a whole number of messages from 1 to \(GrowthCurve.maximumMessages)")
                }
                return Int(value)
            }
        }

        func run() throws {
            let sizes = try GrowthCurve.checkSizes(parsedSizes())
            let selection = try selectBackends(backends, options: options, durability: durability.durabilityClass)
            selection.sayWhatWasSkipped()
            let chosen = selection.chosen
            let base = try WorkloadOptions.load(scenario).scaled(by: scale, toDuration: TimeSpan(seconds: seconds))
            let outPath = out ?? ResultsFolderWriter.defaultPath(scenario: "grow", under: "results/runs")
            let folder = try ResultsFolderWriter(path: outPath)
            installInterruptHandler()
            let configuration = GrowthCurve.Configuration(sizes: sizes, scenario: base, scale: 1, seed: base.seed, workers: workers,
                                                          stop: interruption)
            let document = GrowthDocument(try GrowthCurve.measure(chosen, configuration: configuration, note: { say($0) }), scale: scale)
            let summary = try document.write(into: folder)
            say("\n" + summary)
            say("Written to \(outPath)/ (growth.json, growth.md)")
            if !document.failures.isEmpty {
                throw CommandFailure("\(document.failures.keys.sorted().joined(separator: ", ")) failed before their last size (see above)")
            }
        }
    }
}

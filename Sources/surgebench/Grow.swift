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
        var backends = "sqlite,lmdb,rocksdb"

        @Option(help: "Messages to hold at each measurement, increasing, comma-separated (1e5 forms accepted); rounded up to 100,000.")
        var sizes = "1e5,1e6"

        @Option(help: "A built-in scenario or a .yaml file whose mix to replay at each size.")
        var scenario = "steady"

        @Option(help: "Multiply the scenario's population and rates by this factor.")
        var scale: Double = 1

        @Option(help: "Seconds of schedule per measurement.")
        var seconds: Double = 10

        @Option(name: .customLong("option"), help: ArgumentHelp("A backend option (repeatable): name=value for every backend, or backend.name=value.",
                                                             valueName: "[backend.]name=value"))
        var options: [String] = []

        @Option(help: "Worker threads, each with its own connection (loading and measuring).")
        var workers = 8

        @Option(help: "Output folder; default: results/runs/<UTC time>-grow.")
        var out: String?

        func validate() throws {
            do {
                _ = try GrowthCurve.checkSizes(parsedSizes())
                for (descriptor, options) in try backendOptions() { try GrowthCurve.check(descriptor, options: options) }
            } catch let error as BenchmarkError {
                throw ValidationError(error.message)
            } catch let error as StoreError {
                throw ValidationError(error.message)
            }
            guard seconds >= 2, seconds <= 3_600 else { throw ValidationError("--seconds must be from 2 to 3600") }
            guard (1...1024).contains(workers) else { throw ValidationError("--workers must be from 1 to 1024") }
            guard scale > 0, scale <= 1_000, scale.isFinite else { throw ValidationError("--scale must be above 0 and at most 1000") }
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

        /// Grows one backend, appending its points; returns why it failed, if it did.
        func grow(_ descriptor: BackendDescriptor, _ options: BackendOptions, sizes: [Int], scenario: Scenario,
                  into points: inout [GrowthCurve.Point]) -> String? {
            let configuration = GrowthCurve.Configuration(sizes: sizes, scenario: scenario, scale: 1, seed: scenario.seed, workers: workers)
            var reached: [GrowthCurve.Point] = []
            defer { points += reached }
            do throws(BenchmarkError) {
                _ = try GrowthCurve.run(descriptor, options: options, configuration: configuration, note: { say($0) }, record: { reached.append($0) })
                return nil
            } catch {
                return error.message
            }
        }

        func backendOptions() throws(StoreError) -> [(BackendDescriptor, BackendOptions)] {
            let descriptors = try backends.split(separator: ",").map { (name) throws(StoreError) in
                try BackendCatalog.backend(named: name.trimmingCharacters(in: .whitespaces))
            }
            let assigned = try OptionAssignment.assign(options, to: descriptors)
            return descriptors.map { ($0, assigned[$0.name] ?? BackendOptions()) }
        }

        func run() throws {
            let sizes = try GrowthCurve.checkSizes(parsedSizes())
            let chosen = try backendOptions()
            let base = try WorkloadOptions.load(scenario).scaled(by: scale, toDuration: TimeSpan(seconds: seconds))
            let outPath = out ?? ResultsFolderWriter.defaultPath(scenario: "grow", under: "results/runs")
            let folder = try ResultsFolderWriter(path: outPath)
            installInterruptHandler()
            var points: [GrowthCurve.Point] = []
            var failures: [String: String] = [:]
            for (descriptor, options) in chosen {
                // A backend that fails (a full map, a full disk) keeps the sizes it reached; the others still run.
                if let failure = grow(descriptor, options, sizes: sizes, scenario: base, into: &points) {
                    if replayInterruption.load(ordering: .relaxed) { throw CommandFailure("interrupted; nothing written") }
                    say("\(descriptor.name) FAILED: \(failure)")
                    failures[descriptor.name] = failure
                }
            }
            let document = GrowthDocument(
                createdAt: ISO8601DateFormatter().string(from: Date()),
                environment: EnvironmentInfo.current(engines: Dictionary(uniqueKeysWithValues: chosen.map { ($0.0.name, $0.0.engineVersion) }),
                                                     storeDirectory: NSTemporaryDirectory()),
                scenario: base.name, scale: scale, workers: workers,
                options: Dictionary(uniqueKeysWithValues: chosen.map { ($0.0.name, $0.1.values) }), points: points, failures: failures)
            let summary = "### Cost growth with data size\n\n" + document.table.markdown()
            try folder.write(try document.json(), to: "growth.json")
            try folder.write(summary, to: "growth.md")
            try folder.commit()
            say("\n" + summary)
            say("Written to \(outPath)/ (growth.json, growth.md)")
            if !failures.isEmpty { throw CommandFailure("\(failures.keys.sorted().joined(separator: ", ")) failed before their last size (see above)") }
        }
    }
}

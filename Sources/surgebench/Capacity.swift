import ArgumentParser
import Foundation
import Orchestration
import Reporting
import StoreCatalog
import SurgeCore
import Workload

extension SurgeBench {
    /// `surgebench capacity`: the highest sustainable arrival rate under an SLO.
    struct Capacity: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find the highest arrival rate a backend sustains under an SLO with no growing backlog.",
            discussion: """
                Offers the mix of one scenario phase (default: the busiest surge phase) at constant rates in short open-loop \
                trials, each on a fresh store: doubles the rate until a trial fails, bisects, and confirms the answer with a \
                second trial. Writes capacity.json and capacity.md; `surgebench report` turns capacity folders into a sizing table.
                """)

        @Option(help: "The backend to size.")
        var backend: String

        @Option(help: "The service-level objective, e.g. 'p99<=20ms'.")
        var slo = "p99<=20ms"

        @Option(help: "A built-in scenario or a .yaml file whose population and phase mix to use.")
        var scenario = "outage-2021"

        @Option(help: "The phase whose mix to offer; default: the surge phase with the highest rate.")
        var phase: String?

        @Option(help: "Multiply the scenario's population (and its starting rate) by this factor.")
        var scale: Double = 1

        @OptionGroup var backendOptions: BackendOptionFlags
        @OptionGroup var durability: DurabilityClassFlag
        @OptionGroup var syncCounting: SyncCountingFlag
        var options: [String] { backendOptions.assignments }

        @Option(help: "Seconds of schedule per trial (the first half, at most 7 s, is warm-up: newcomer sessions build up).")
        var trialSeconds: Double = 16

        @Option(help: "Lowest rate to try, sessions/s.")
        var minRate: Double = 1

        @Option(help: "Highest rate to try, sessions/s.")
        var maxRate: Double = 1_000_000

        @Option(help: "Bisection steps after the first failure.")
        var steps = 5

        @Option(help: "Worker threads, each with its own connection.")
        var workers = 16

        @Option(help: "Output folder; default: results/capacity/<UTC time>-<backend>.")
        var out: String?

        func validate() throws {
            do throws(BenchmarkError) {
                _ = try CapacitySearch.SLO(parsing: slo)
                _ = try selectBackend(backend, options: options, durability: durability.durabilityClass)
                try Limits.check("trial-seconds", trialSeconds, in: 2...600)
                try Limits.check("steps", steps, in: 0...30)
                try Limits.check("workers", workers, in: Limits.workers)
                try Limits.checkScale(scale)
            } catch { throw ValidationError(error.message) }
            guard minRate > 0, maxRate >= minRate, maxRate <= Scenario.maximumRate else {
                throw ValidationError("--min-rate must be positive and at most --max-rate, and --max-rate at most \(Int(Scenario.maximumRate)) sessions/s")
            }
        }

        func run() throws {
            syncCounting.startCounting()
            let (descriptor, backendOptions) = try selectBackend(backend, options: options, durability: durability.durabilityClass)
            let base = try WorkloadOptions.load(scenario).scaled(by: scale)
            let index: Int
            if let phase {
                guard let found = base.phases.firstIndex(where: { $0.name == phase }) else {
                    throw CommandFailure("scenario \(base.name) has no phase '\(phase)'; its phases: \(base.phases.map(\.name).joined(separator: ", "))")
                }
                index = found
            } else {
                index = CapacitySearch.busiestPhase(of: base)
            }
            let objective = try CapacitySearch.SLO(parsing: slo)
            let outPath = out ?? ResultsFolderWriter.defaultPath(scenario: descriptor.name, under: "results/capacity")
            let folder = try ResultsFolderWriter(path: outPath)
            installInterruptHandler()
            say("\(descriptor.name): searching the highest rate of \(base.name) phase '\(base.phases[index].name)' within \(objective)")
            var search = CapacitySearch(
                base: base, phaseIndex: index, descriptor: descriptor, options: backendOptions, slo: objective, trialSeconds: trialSeconds,
                workers: workers, seed: base.seed, say: { say($0) })
            search.scale = scale
            search.stop = interruption
            let summary = try CapacityDocument(search.measure(minimumRate: minRate, maximumRate: maxRate, steps: steps)).write(into: folder)
            say("\n" + summary)
            say("Written to \(outPath)/ (capacity.json, capacity.md)")
        }
    }
}

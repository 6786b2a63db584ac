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

        @Option(name: .customLong("option"), help: ArgumentHelp("A backend option (repeatable).", valueName: "name=value"))
        var options: [String] = []

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
            do {
                _ = try CapacitySearch.SLO(parsing: slo)
                _ = try backendOptions()
            } catch let error as BenchmarkError {
                throw ValidationError(error.message)
            } catch let error as StoreError {
                throw ValidationError(error.message)
            }
            guard trialSeconds >= 2, trialSeconds <= 600 else { throw ValidationError("--trial-seconds must be from 2 to 600") }
            guard minRate > 0, maxRate >= minRate, maxRate <= Scenario.maximumRate else {
                throw ValidationError("--min-rate must be positive and at most --max-rate, and --max-rate at most \(Int(Scenario.maximumRate)) sessions/s")
            }
            guard (0...30).contains(steps) else { throw ValidationError("--steps must be from 0 to 30") }
            guard (1...1024).contains(workers) else { throw ValidationError("--workers must be from 1 to 1024") }
            guard scale > 0, scale.isFinite else { throw ValidationError("--scale must be positive") }
        }

        /// The backend with the options --option gives it, validated.
        func backendOptions() throws(StoreError) -> (descriptor: BackendDescriptor, options: BackendOptions) {
            let descriptor = try BackendCatalog.backend(named: backend)
            return (descriptor, try OptionAssignment.assign(options, to: [descriptor])[descriptor.name] ?? BackendOptions())
        }

        func run() throws {
            let (descriptor, backendOptions) = try backendOptions()
            let given = backendOptions.values
            let base = try WorkloadOptions.load(scenario).scaled(by: scale)
            let index: Int
            if let phase {
                guard let found = base.phases.firstIndex(where: { $0.name == phase }) else {
                    throw CommandFailure("scenario \(base.name) has no phase '\(phase)'; its phases: \(base.phases.map(\.name).joined(separator: ", "))")
                }
                index = found
            } else {
                let surge = base.phases.indices.filter { base.phases[$0].role == .surge }
                let candidates = surge.isEmpty ? Array(base.phases.indices) : surge
                // The busiest phase; among equally busy ones, the one with the most newcomers.
                func load(_ index: Int) -> (Double, Double) {
                    (base.phases[index].rate.peak, base.phases[index].mix.newcomer / base.phases[index].mix.total)
                }
                index = candidates.max { load($0) < load($1) }!
            }
            let chosen = base.phases[index]
            let objective = try CapacitySearch.SLO(parsing: slo)
            installInterruptHandler()
            say("\(descriptor.name): searching the highest rate of \(base.name) phase '\(chosen.name)' within \(objective)")
            let search = CapacitySearch(
                base: base, phaseIndex: index, descriptor: descriptor, options: backendOptions, slo: objective, trialSeconds: trialSeconds,
                workers: workers, seed: base.seed, say: { say($0) })
            let (capacity, trials, settings) = try search.run(
                startRate: chosen.rate.peak, minimumRate: minRate, maximumRate: maxRate, steps: steps)
            let document = CapacityDocument(
                createdAt: ISO8601DateFormatter().string(from: Date()),
                environment: EnvironmentInfo.current(engines: [descriptor.name: descriptor.engineVersion],
                                                     storeDirectory: MachineProbe.storeDirectory(forPath: given[BackendOption.path.name])), backend: descriptor.name,
                options: given, durability: settings.durability, commit: settings.commit, scenario: base.name, phase: chosen.name,
                newcomerShare: chosen.mix.newcomer / chosen.mix.total, scale: scale, workers: workers, slo: objective,
                trialSeconds: trialSeconds, capacity: capacity, trials: trials)
            let outPath = out ?? ResultsFolderWriter.defaultPath(scenario: descriptor.name, under: "results/capacity")
            let folder = try ResultsFolderWriter(path: outPath)
            let summary = "### Capacity of \(descriptor.name) under \(objective)\n\n"
                + String(format: "%.0f operations/s (%.1f sessions/s of %@ phase '%@').\n\n", document.capacityOpsPerSecond,
                         document.capacitySessionsPerSecond, base.name, chosen.name)
                + document.trialsTable.markdown() + "\n" + SizingTable.table([document]).markdown()
            try folder.write(try document.json(), to: "capacity.json")
            try folder.write(summary, to: "capacity.md")
            try folder.commit()
            say("\n" + summary)
            say("Written to \(outPath)/ (capacity.json, capacity.md)")
        }
    }
}

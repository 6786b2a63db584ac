import ArgumentParser
import Foundation
import Harness
import Orchestration
import Reporting
import StoreCatalog
import SurgeCore
import Workload

extension SurgeBench {
    /// `surgebench run`: replay a scenario against backends in turn and write the results.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay a scenario against one or more backends, each on a fresh store, and write the results.",
            discussion: """
                Every backend replays the identical trace. Open loop (the default) starts each operation at its intended \
                time and measures response time from then, so a stalled store shows in the latency it causes.
                Examples:
                  surgebench run                                      # outage-2021 on the embedded stores, class power
                  surgebench run --durability process                 # each store's cheapest mode that survives a kill
                  surgebench run --backends sqlite --option commit=group
                  surgebench run --scenario steady --scale 2 --duration 30s
                  surgebench run --trace surge.trace --backends lmdb --option lmdb.map-size=8GiB
                  surgebench run --backends external,sqlite --option external.command='python3 my_driver.py'
                """)

        @OptionGroup var workload: WorkloadOptions

        @Option(help: "Replay this trace (from `surgebench generate`) instead of generating one.")
        var trace: String?

        @Option(help: "Comma-separated backends to run in turn (see `surgebench backends`).")
        var backends = BackendCatalog.defaultNames.joined(separator: ",")

        @OptionGroup var backendOptions: BackendOptionFlags
        @OptionGroup var durability: DurabilityClassFlag
        @OptionGroup var syncCounting: SyncCountingFlag
        var options: [String] { backendOptions.assignments }

        @Option(help: "Worker threads, each with its own connection.")
        var workers = 16

        @Option(help: "open: operations start at their intended times; closed: back to back, as fast as possible.")
        var mode: ReplayOptions.Mode = .open

        @Option(help: ArgumentHelp(
            "Open loop: how long the backlog may drain after the schedule ends (such as 10s, 500ms); what has not completed by then "
                + "counts as not completed and marks the run invalid, so a store that stops answering cannot hold the run.",
            valueName: "time"))
        var drain = ReplayOptions.defaultDrainBound.description

        @Option(help: "Run every backend this many times, interleaved (A B C A B C ...); `compare` needs 3 or more.")
        var `repeat` = 1

        @Option(help: "Results folder; default: results/runs/<UTC time>-<scenario>.")
        var out: String?

        @Flag(help: "Print progress as plain lines (the default when not on a terminal).")
        var plainProgress = false

        @Option(name: .customLong("fault"), help: ArgumentHelp(
            "A topology change at a time of the schedule, for a cluster SurgeBench starts (repeatable): reshard@20s:1000-slots, "
                + "kill-master@25s, restart-node@35s; postgres with durability=replicated makes kill-master (its standby promoted).",
            valueName: "kind@time[:slots]"))
        var faultTexts: [String] = []

        @Option(help: ArgumentHelp(
            "Replay only the communities c with c % COUNT == INDEX, so that COUNT generators together replay the whole trace "
                + "(`surgebench merge` adds their results up); auto/COUNT takes INDEX from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).",
            valueName: "INDEX/COUNT"))
        var shard: String?

        @Option(help: ArgumentHelp(
            "Start the schedule at this wall-clock instant (ISO 8601 UTC such as 2026-11-30T14:00:00Z, seconds since 1970, or +SECONDS), "
                + "so that shards on several machines start together; refused when it has passed.", valueName: "instant"))
        var startAt: String?

        @Option(help: ArgumentHelp("Serve live counters in Prometheus' text format at http://HOST:PORT/metrics while the run lasts.",
                                   valueName: "HOST:PORT"))
        var metricsListen: String?

        /// Makes every operation this much slower, to check that a comparison catches a regression (CI's own test).
        @Option(help: .hidden)
        var slowDownForTesting = 0.0

        /// Makes only the slowest 2% of operations this much slower (a tail-only regression; the gate's power test).
        @Option(help: .hidden)
        var slowTailForTesting = 0.0

        func validate() throws {
            do throws(BenchmarkError) {
                try Limits.check("repeat", `repeat`, in: 1...100)
                try Limits.check("workers", workers, in: Limits.workers)
                try Limits.check("slow-down-for-testing", slowDownForTesting, in: 0...10)
                try Limits.check("slow-tail-for-testing", slowTailForTesting, in: 0...10)
                _ = try selectBackends(backends, options: options, durability: durability.durabilityClass)
                _ = try faults()
                _ = try selectedShard()
                if let startAt { _ = try StartInstant.parse(startAt) }
                _ = try drainBound()
            } catch { throw ValidationError(error.message) }
            if slowDownForTesting > 0, slowTailForTesting > 0 {
                throw ValidationError("give --slow-down-for-testing or --slow-tail-for-testing, not both")
            }
            if startAt != nil, `repeat` != 1 || backends.split(separator: ",").count != 1 {
                throw ValidationError("--start-at starts one schedule: give one backend and no --repeat")
            }
        }

        /// The regression --slow-down-for-testing or --slow-tail-for-testing asks for (nil: none).
        func stretchForTesting() -> ServiceStretch? {
            if slowTailForTesting > 0 { return ServiceStretch(fraction: slowTailForTesting, slowestShare: ServiceStretch.tailShare) }
            return slowDownForTesting > 0 ? ServiceStretch(fraction: slowDownForTesting) : nil
        }

        /// The shard --shard names (nil: the whole trace).
        func selectedShard() throws(BenchmarkError) -> Shard? {
            try shard.map { (text) throws(BenchmarkError) in try Shard(parsing: text, environment: ProcessInfo.processInfo.environment) }
        }

        /// The drain bound --drain gives (at most an hour).
        func drainBound() throws(BenchmarkError) -> TimeSpan {
            guard let bound = TimeSpan(parsing: drain), bound.nanoseconds <= 3_600_000_000_000 else {
                throw BenchmarkError("--drain \(drain): give a time from 0s to 1h, such as 10s or 500ms")
            }
            return bound
        }

        /// The faults --fault names, parsed.
        func faults() throws(BenchmarkError) -> [StoreFault] {
            do throws(BenchmarkError) {
                return try faultTexts.map { (text) throws(BenchmarkError) in try StoreFault(parsing: text) }
            } catch {
                throw BenchmarkError("--fault: \(error.message)")
            }
        }

        func run() throws {
            syncCounting.startCounting()
            installInterruptHandler()
            let selection = try selectBackends(backends, options: options, durability: durability.durabilityClass)
            selection.sayWhatWasSkipped()
            let shard = try selectedShard()
            let startInstant = try startAt.map { (text) throws(BenchmarkError) in try StartInstant.parse(text) }
            let metrics = try metricsListen.map { (address) throws(BenchmarkError) in try MetricsEndpoint(listening: address) }
            defer { metrics?.close() }
            if let metrics { say("serving live metrics at http://\(metrics.address)/metrics") }
            let plan: ReplayPlan
            if let trace {
                plan = try TracePlanning.plan(readingTrace: trace, shard: shard, stop: interruption)
            } else {
                let scenario = try workload.effectiveScenario()
                plan = try TracePlanning.plan(scenario, seed: workload.seed ?? scenario.seed, scale: workload.scale, shard: shard ?? .whole,
                                              stop: interruption)
            }
            let scenario = plan.scenario
            // The scenario's faults, then --fault's; each must fall inside the schedule.
            let faultsToMake = try scenario.parsedFaults() + faults()
            if let late = faultsToMake.first(where: { $0.atSeconds >= scenario.duration.seconds }) {
                throw CommandFailure("fault \(late) is at or after the end of the schedule (\(scenario.duration)); give a time inside it")
            }
            let outPath = out ?? ResultsFolderWriter.defaultPath(scenario: scenario.name)
            let folder = try ResultsFolderWriter(path: outPath)
            say("\(scenario.name): \(plan.load.scheduledCount) operations over \(scenario.duration) after \(plan.load.setupCount) setup operations, "
                + "\(workers) workers, \(mode == .open ? "open" : "closed") loop, trace \(Figures.hex(plan.traceDigest))"
                + (plan.shard.isWhole ? "" : ", shard \(plan.shard) of \(scenario.communityCount) communities")
                + (startInstant.map { ", schedule starts at \(Figures.instant($0))" } ?? ""))
            let progress = ProgressPrinter(plain: plainProgress)
            var replayOptions = ReplayOptions(workers: workers, mode: mode, progress: progress.report, progressIntervalSeconds: progress.intervalSeconds)
            replayOptions.stretchForTesting = stretchForTesting()
            replayOptions.faults = faultsToMake
            replayOptions.startAt = startInstant
            replayOptions.observer = metrics
            replayOptions.stop = interruption
            replayOptions.drainBound = try drainBound()
            var session = BenchmarkSession(plan: plan, backends: selection.chosen, replayOptions: replayOptions,
                                           say: { progress.finishLine(); say($0) })
            session.repetitions = `repeat`
            let (document, table) = try RunResultsWriter.write(session.run(), into: folder, traceFile: trace)
            say("\n" + table)
            for result in document.backends {
                if let failure = result.failure {
                    FileHandle.standardError.write(Data("surgebench: \(result.backend) could not run: \(failure)\n".utf8))
                } else if let reason = result.invalidReason {
                    FileHandle.standardError.write(Data("surgebench: \(result.backend)'s run is invalid: \(reason)\n".utf8))
                }
            }
            say("Results written to \(outPath)/ (results.json, summary.md, timeseries.csv, *.hgrm)")
            for result in document.backends where !result.integrity.isIntact {
                let verdict = result.integrity.unverifiable == nil ? "LOST OR CORRUPTED DATA" : "COULD NOT BE VERIFIED"
                FileHandle.standardError.write(Data("\(result.backend) \(verdict): \(result.integrity.problems.joined(separator: "; "))\n".utf8))
            }
            if document.backends.contains(where: { !$0.isCorrect }) { throw ExitCode.failure }
        }
    }
}

extension ReplayOptions.Mode: ExpressibleByArgument {}

import ArgumentParser
import CrashTesting
import Foundation
import Harness
import Orchestration
import Reporting
import StoreCatalog
import SurgeCore
import Workload

extension CrashKind: ExpressibleByArgument {}
extension PowerCutModel: ExpressibleByArgument {}

extension SurgeBench {
    /// `surgebench crash`: kill a store mid-surge again and again and count the acknowledged writes it loses.
    struct Crash: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Kill a store in the middle of a surge, again and again, and count every acknowledged write it loses.",
            discussion: """
                Each crash replays the scenario in a child process that logs every write the store acknowledges; the child is \
                killed at a seeded moment inside the surge phases, the store is reopened (the time it takes is the recovery) \
                and checked: every acknowledged registration, chat, message (with its sequence and idempotency key) and read \
                watermark must be there, every chat gapless, every unread count right, and the engine's own check clean. The \
                store carries over from crash to crash. --kind power also puts the files back as a power cut would leave them: \
                --power-model strict (every file back to its last sync) or reorder (a seeded half of the unsynced writes kept, \
                some torn at 512-byte sectors, unsynced directory operations undone). --kind failover kills only the primary \
                of a replicated server store while the load runs on (a fresh store per crash), lets its standby or replica take \
                over and checks every acknowledged write on the new primary. See docs/crash-testing.md for the models and \
                their limits. Writes crash.json and crash.md; `surgebench report` draws the matrix.
                Without --duration, a scenario longer than 10 s is compressed to 10 s.
                Examples:
                  surgebench crash --backend sqlite --option durability=normal --kind power --crashes 50
                  surgebench crash --backend lmdb --option durability=sync --kind power --power-model reorder
                  surgebench crash --backend postgres --option durability=replicated --kind failover --crashes 20
                """)

        @Option(help: ArgumentHelp("The backend to crash: " + BackendCatalog.crashableStores.map(\.name).joined(separator: ", ")
            + ", or a driver (external with command= or driver=, or a registered driver's name)."))
        var backend: String

        @OptionGroup var backendOptions: BackendOptionFlags
        @OptionGroup var durability: DurabilityClassFlag
        var options: [String] { backendOptions.assignments }

        @OptionGroup var workload: WorkloadOptions

        @Option(help: "How many times to crash the store.")
        var crashes = 10

        @Option(help: ArgumentHelp("process: SIGKILL of the process owning the data; power: SIGKILL, then the files as a power cut leaves them "
            + "(--power-model); failover: SIGKILL of the primary alone while the load runs, its standby or replica taking over."))
        var kind: CrashKind = .process

        @Option(help: ArgumentHelp(
            "With --kind power: strict puts every file back to its last sync; reorder keeps a seeded random half of the unsynced "
                + "writes, tears some at 512-byte sectors and undoes directory operations never synced (docs/crash-testing.md).",
            valueName: "model"))
        var powerModel: PowerCutModel = .strict

        @Option(help: "Worker threads of the replay, each with its own connection.")
        var workers = 4

        @Option(help: "Results folder; default: results/runs/<UTC time>-crash.")
        var out: String?

        /// Without --duration, a longer scenario is compressed to this for each crash's replay.
        static let longestDefaultSchedule = TimeSpan(seconds: 10)

        func validate() throws {
            do throws(BenchmarkError) {
                try Limits.check("crashes", crashes, in: 1...CrashCampaign.maximumCrashes)
                try Limits.check("workers", workers, in: Limits.workers)
                let (descriptor, given) = try selectBackend(backend, options: options, durability: durability.durabilityClass)
                guard BackendCatalog.isCrashable(descriptor) else {
                    throw BenchmarkError("\(backend) cannot be crashed by `surgebench crash`: it crashes "
                        + BackendCatalog.crashableStores.map(\.name).joined(separator: ", ") + " (stores with files of their own, and servers "
                        + "SurgeBench starts in a directory); see docs/crash-testing.md")
                }
                if kind == .failover {
                    let mode = (try? descriptor.durabilityMode(in: given))??.name ?? "-"
                    guard descriptor.failoverOptions?(mode) != nil else {
                        throw BenchmarkError("\(backend) cannot fail over in durability mode \(mode): --kind failover needs a standby or replica to "
                            + "take over (postgres: durability=replicated; redis-cluster: any mode but none)")
                    }
                }
                if let remote = ["url", "nodes"].first(where: { !(given.values[$0] ?? "").isEmpty }) {
                    throw BenchmarkError("`surgebench crash` kills the server: it crashes only servers SurgeBench starts itself, not \(remote)=")
                }
            } catch { throw ValidationError(error.message) }
            if let out, out.isEmpty { throw ValidationError("--out is empty; give a folder, or leave --out out for the default") }
            if powerModel != .strict, kind != .power {
                throw ValidationError("--power-model \(powerModel.rawValue) models a power cut: give it with --kind power")
            }
        }

        func run() throws {
            let (descriptor, options) = try selectBackend(backend, options: self.options, durability: durability.durabilityClass)
            var scenario = try workload.effectiveScenario()
            if workload.duration == nil, scenario.duration.nanoseconds > Self.longestDefaultSchedule.nanoseconds {
                scenario = try scenario.scaled(by: 1, toDuration: Self.longestDefaultSchedule)
            }
            let seed = workload.seed ?? scenario.seed
            let outPath = out ?? ResultsFolderWriter.defaultPath(scenario: "crash", under: "results/runs")
            let folder = try ResultsFolderWriter(path: outPath)
            installInterruptHandler()
            var configuration = try CrashCampaign.Configuration(
                descriptor: descriptor, options: options.values, kind: kind, crashes: crashes, seed: seed,
                workers: workers, executable: CommandLine.arguments[0], powerCutLibrary: PowerCutJournal.library())
            configuration.stop = interruption
            configuration.powerModel = powerModel
            say("Crashing \(descriptor.name) (\(configuration.mode.map { "durability mode \($0.name)" } ?? "no durability modes")) "
                + "\(crashes) times (\(kind == .power ? "power, \(powerModel.rawValue) model" : kind.rawValue)) during \(scenario.name), \(Figures.format(scenario.duration.seconds)) s of schedule, seed \(seed)")
            let run = try CrashRun.perform(configuration, scenario: scenario, scale: workload.scale) { say($0) }
            let summary = try CrashDocument(run).write(into: folder)
            say("\n" + summary)
            say("Written to \(outPath)/ (crash.json, crash.md)")
        }
    }

    /// `surgebench crash-check`: reopens a crashed in-process store and checks one crash's log against it, in a child
    /// process, since a corrupt file can make an engine's library abort (not for direct use).
    struct CrashCheckChild: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crash-check", abstract: "The check `surgebench crash` runs after a crash; not for direct use.", shouldDisplay: false)

        @Option var backend: String
        @Option(name: .customLong("option")) var options: [String] = []
        @Option var trace: String
        @Option var crash: Int
        @Option var acknowledgements: String
        @Option var result: String

        func run() throws {
            let (descriptor, assigned) = try selectBackend(backend, options: options, durability: .power)
            let checked = try CrashCampaign.checkCrash(descriptor, options: assigned.values, tracePath: trace, index: crash, log: acknowledgements)
            try JSONEncoder().encode(checked).write(to: URL(fileURLWithPath: result))
        }
    }

    /// `surgebench crash-child`: the replay `crash` kills (not for direct use).
    struct CrashChild: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "crash-child", abstract: "The replay `surgebench crash` runs and kills; not for direct use.", shouldDisplay: false)

        @Option var backend: String
        @Option(name: .customLong("option")) var options: [String] = []
        @Option var trace: String
        @Option var crash: Int
        @Option var acknowledgements: String
        @Option var workers: Int

        func run() throws {
            // Dies with its parent: a crash run that is itself killed leaves no replay behind.
            let parent = getppid()
            Thread.detachNewThread {
                while getppid() == parent { usleep(100_000) }
                _exit(1)
            }
            // The parent names the mode in the options: the class only fills in what they leave out.
            let (descriptor, assigned) = try selectBackend(backend, options: options, durability: .power)
            let store = try descriptor.open(assigned)
            defer { store.close() }
            let plan = try TracePlanning.plan(readingTrace: trace, phoneNamespace: CrashCampaign.phoneNamespace(crash: crash))
            var replay = ReplayOptions(workers: workers)
            replay.acknowledgements = try AcknowledgementLog(path: acknowledgements)
            _ = try Replayer.run(store, plan: plan, options: replay)
        }
    }
}

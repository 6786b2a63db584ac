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
                store carries over from crash to crash. --kind power also puts every file back to its last sync, as a power cut \
                would (see the README for the model). Writes crash.json and crash.md; `surgebench report` draws the matrix.
                Without --duration, a scenario longer than 10 s is compressed to 10 s.
                Example: surgebench crash --backend sqlite --option durability=normal --kind power --crashes 50
                """)

        @Option(help: "The backend to crash: sqlite, lmdb, rocksdb, or postgres or redis-cluster (servers SurgeBench starts).")
        var backend: String

        @Option(name: .customLong("option"), help: ArgumentHelp("A backend option (repeatable), e.g. durability=full.", valueName: "name=value"))
        var options: [String] = []

        @OptionGroup var workload: WorkloadOptions

        @Option(help: "How many times to crash the store.")
        var crashes = 10

        @Option(help: "process: SIGKILL of the process owning the data; power: SIGKILL and every file back to its last sync.")
        var kind: CrashKind = .process

        @Option(help: "Worker threads of the replay, each with its own connection.")
        var workers = 4

        @Option(help: "Results folder; default: results/runs/<UTC time>-crash.")
        var out: String?

        /// Without --duration, a longer scenario is compressed to this for each crash's replay.
        static let longestDefaultSchedule = TimeSpan(seconds: 10)

        func validate() throws {
            guard (1...CrashCampaign.maximumCrashes).contains(crashes) else {
                throw ValidationError("--crashes must be from 1 to \(CrashCampaign.maximumCrashes)")
            }
            guard (1...256).contains(workers) else { throw ValidationError("--workers must be from 1 to 256") }
            if let out, out.isEmpty { throw ValidationError("--out is empty; give a folder, or leave --out out for the default") }
            do {
                let (descriptor, given) = try chosen()
                guard descriptor.location == .directory || descriptor.serverProcesses != nil else {
                    throw ValidationError("\(backend) cannot be crashed by `surgebench crash`: it crashes stores with files of their own "
                        + "(sqlite, lmdb, rocksdb) and servers SurgeBench starts in a directory (postgres, redis-cluster); see the README")
                }
                if let remote = ["url", "nodes"].first(where: { !(given.values[$0] ?? "").isEmpty }) {
                    throw ValidationError("`surgebench crash` kills the server: it crashes only servers SurgeBench starts itself, not \(remote)=")
                }
            } catch let error as StoreError {
                throw ValidationError(error.message)
            }
        }

        func chosen() throws(StoreError) -> (BackendDescriptor, BackendOptions) {
            let descriptor = try BackendCatalog.backend(named: backend)
            let assigned = try OptionAssignment.assign(options, to: [descriptor])
            return (descriptor, assigned[descriptor.name] ?? BackendOptions())
        }

        func run() throws {
            let (descriptor, options) = try chosen()
            var scenario = try workload.effectiveScenario()
            if workload.duration == nil, scenario.duration.nanoseconds > Self.longestDefaultSchedule.nanoseconds {
                scenario = try scenario.scaled(by: 1, toDuration: Self.longestDefaultSchedule)
            }
            let seed = workload.seed ?? scenario.seed
            let outPath = out ?? ResultsFolderWriter.defaultPath(scenario: "crash", under: "results/runs")
            let folder = try ResultsFolderWriter(path: outPath)
            let tracePath = NSTemporaryDirectory() + "surgebench-crash-\(getpid()).trace"
            defer { unlink(tracePath) }
            _ = try TracePlanning.generate(scenario, seed: seed, scale: 1, to: tracePath)
            installInterruptHandler()

            let mode = options.values["durability"] ?? descriptor.options.first { $0.name == "durability" }?.defaultValue ?? "-"
            say("Crashing \(descriptor.name) (durability=\(mode)) \(crashes) times (\(kind.rawValue)) during \(scenario.name), "
                + "\(Figures.format(scenario.duration.seconds)) s of schedule, seed \(seed)")
            let configuration = CrashCampaign.Configuration(
                descriptor: descriptor, options: options.values, kind: kind, crashes: crashes, seed: seed, tracePath: tracePath,
                workers: workers, executable: CommandLine.arguments[0], powerCutLibrary: PowerCutJournal.library())
            let outcome = try CrashCampaign.run(configuration) { say($0) }
            let document = CrashDocument(
                createdAt: ISO8601DateFormatter().string(from: Date()),
                environment: EnvironmentInfo.current(engines: [descriptor.name: descriptor.engineVersion], storeDirectory: NSTemporaryDirectory()),
                backend: descriptor.name, mode: mode, options: options.values, kind: kind, scenario: scenario.name, scale: workload.scale,
                scheduleSeconds: scenario.duration.seconds, seed: seed, workers: workers, crashesRequested: crashes,
                promise: descriptor.durabilityPromises.first { $0.mode == mode }, outcome: outcome)
            var summary = "### Durability under crashes\n\n" + CrashDocument.markdown([document])
            let problems = outcome.total.problems + outcome.crashes.compactMap { crash in crash.failure.map { "crash \(crash.index + 1): \($0)" } }
            if !problems.isEmpty { summary += "\nFirst problems:\n\n" + problems.map { "- \($0)" }.joined(separator: "\n") + "\n" }
            if !outcome.unmodelledFiles.isEmpty {
                summary += "\nWritten through shared mappings, not modelled by the power cut: \(outcome.unmodelledFiles.joined(separator: ", "))\n"
            }
            try folder.write(try document.json(), to: "crash.json")
            try folder.write(summary, to: "crash.md")
            try folder.commit()
            say("\n" + summary)
            say("Written to \(outPath)/ (crash.json, crash.md)")
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
            let descriptor = try BackendCatalog.backend(named: backend)
            let assigned = try OptionAssignment.assign(options, to: [descriptor])
            let store = try descriptor.open(assigned[descriptor.name] ?? BackendOptions())
            defer { store.close() }
            let plan = try TracePlanning.plan(readingTrace: trace, phoneNamespace: CrashCampaign.phoneNamespace(crash: crash))
            var replay = ReplayOptions(workers: workers)
            replay.acknowledgements = try AcknowledgementLog(path: acknowledgements)
            _ = try Replayer.run(store, plan: plan, options: replay)
        }
    }
}

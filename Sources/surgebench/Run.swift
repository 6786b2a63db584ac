import ArgumentParser
import Foundation
import Harness
import Histogram
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
                  surgebench run                                      # outage-2021 on memory, sqlite, lmdb
                  surgebench run --backends sqlite --option commit=group --option durability=full
                  surgebench run --scenario steady --scale 2 --duration 30s
                  surgebench run --trace surge.trace --backends lmdb --option lmdb.map-size=8GiB
                """)

        @OptionGroup var workload: WorkloadOptions

        @Option(help: "Replay this trace (from `surgebench generate`) instead of generating one.")
        var trace: String?

        @Option(help: "Comma-separated backends to run in turn (see `surgebench backends`).")
        var backends = BackendCatalog.defaultNames.joined(separator: ",")

        @Option(name: .customLong("option"), help: ArgumentHelp(
            "A backend option, name=value for every backend that has it or backend.name=value for one (repeatable).",
            valueName: "[backend.]name=value"))
        var options: [String] = []

        @Option(help: "Worker threads, each with its own connection.")
        var workers = 16

        @Option(help: "open: operations start at their intended times; closed: back to back, as fast as possible.")
        var mode: ReplayOptions.Mode = .open

        @Option(help: "Results folder; default: results/runs/<UTC time>-<scenario>.")
        var out: String?

        @Flag(help: "Print progress as plain lines (the default when not on a terminal).")
        var plainProgress = false

        func validate() throws {
            guard (1...1024).contains(workers) else { throw ValidationError("--workers must be from 1 to 1024, got \(workers)") }
            for name in backendNames {
                do { _ = try BackendCatalog.backend(named: name) } catch { throw ValidationError(error.message) }
            }
            guard !backendNames.isEmpty else { throw ValidationError("--backends lists no backend") }
            do { _ = try optionsByBackend() } catch let error as CommandFailure { throw ValidationError(error.description) }
        }

        var backendNames: [String] {
            backends.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        /// The options each selected backend gets; an option no selected backend has is an error.
        func optionsByBackend() throws -> [String: [String: String]] {
            var result: [String: [String: String]] = [:]
            for name in backendNames { result[name] = [:] }
            for pair in options {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw CommandFailure("--option '\(pair)' must be name=value or backend.name=value, e.g. --option sqlite.durability=full")
                }
                let key = String(pair[..<equals])
                let value = String(pair[pair.index(after: equals)...])
                let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
                let targets = parts.count == 2 && result[parts[0]] != nil ? [parts[0]] : backendNames
                let optionName = parts.count == 2 && result[parts[0]] != nil ? parts[1] : key
                var applied = false
                for target in targets {
                    let descriptor = try BackendCatalog.backend(named: target)
                    if descriptor.options.contains(where: { $0.name == optionName }) || targets.count == 1 {
                        result[target]![optionName] = value
                        applied = true
                    }
                }
                guard applied else {
                    throw CommandFailure("--option \(key): none of \(backendNames.joined(separator: ", ")) has an option '\(optionName)' (see `surgebench backends`)")
                }
            }
            return result
        }

        func run() throws {
            let backendOptions = try optionsByBackend()
            let (plan, traceFile) = try loadPlan()
            let scenario = plan.scenario
            installInterruptHandler()
            let outPath = out ?? ResultsFolder.defaultPath(scenario: scenario.name)
            let folder = try ResultsFolder(path: outPath)
            let descriptors = try backendNames.map { try BackendCatalog.backend(named: $0) }
            print("\(scenario.name): \(plan.scheduledCount) operations over \(scenario.duration) after \(plan.setupCount) setup operations, "
                  + "\(workers) workers, \(mode == .open ? "open" : "closed") loop, trace \(hex(plan.traceDigest))")

            var results: [ResultsDocument.BackendResult] = []
            var csv = TimeSeriesCSV.header
            for descriptor in descriptors {
                if replayInterruption.load(ordering: .relaxed) { break }
                let given = backendOptions[descriptor.name] ?? [:]
                let outcome = runBackend(descriptor, options: given, plan: plan, folder: folder)
                results.append(outcome.result)
                csv += outcome.csv
            }
            let interrupted = replayInterruption.load(ordering: .relaxed)
            let document = ResultsDocument(
                complete: !interrupted && results.count == descriptors.count && results.allSatisfy { $0.failure == nil && !$0.interrupted },
                createdAt: ISO8601DateFormatter().string(from: Date()),
                environment: EnvironmentInfo.current(engines: Dictionary(uniqueKeysWithValues: descriptors.map { ($0.name, $0.engineVersion) })),
                configuration: .init(
                    scenario: scenario.name, scenarioDigest: hex(plan.header.scenarioDigest), traceDigest: hex(plan.traceDigest),
                    seed: plan.header.seed, scale: plan.header.scale, durationSeconds: scenario.duration.seconds, workers: workers, mode: mode,
                    scheduledOperations: plan.scheduledCount, setupOperations: plan.setupCount, traceFile: traceFile,
                    scenarioYAML: plan.header.scenarioYAML),
                backends: results)
            let table = MarkdownTable.render(document)
            try folder.write(csv, to: "timeseries.csv")
            try folder.write(table, to: "summary.md")
            try folder.write(document.json(), to: "results.json")
            try folder.commit()
            print("\n" + table)
            print("Results written to \(outPath)/ (results.json, summary.md, timeseries.csv, *.hgrm)")
            for result in results where !result.integrity.isIntact {
                FileHandle.standardError.write(Data("\(result.backend) LOST OR CORRUPTED DATA: \(result.integrity.problems.joined(separator: "; "))\n".utf8))
            }
            if interrupted { throw ExitCode(130) }
            if results.contains(where: { !$0.isCorrect }) { throw ExitCode.failure }
        }

        /// The trace to replay: the one given, or a fresh one generated into a temporary file.
        private func loadPlan() throws -> (ReplayPlan, String?) {
            if let trace {
                return (try ReplayPlan(reading: TraceReader(path: trace)), trace)
            }
            let temporary = NSTemporaryDirectory() + "surgebench-\(getpid())-\(UUID().uuidString).trace"
            defer { try? FileManager.default.removeItem(atPath: temporary) }
            _ = try workload.generateTrace(to: temporary)
            return (try ReplayPlan(reading: TraceReader(path: temporary)), nil)
        }

        /// One backend on a fresh store: open, replay, measure the store's size, close, and write its histograms.
        private func runBackend(_ descriptor: BackendDescriptor, options given: [String: String], plan: ReplayPlan, folder: ResultsFolder)
            -> (result: ResultsDocument.BackendResult, csv: String)
        {
            var options = given
            var scratch: String?
            if descriptor.isPersistent, options["path"] == nil {
                let path = NSTemporaryDirectory() + "surgebench-store-\(descriptor.name)-\(UUID().uuidString)"
                scratch = path
                options["path"] = path
            }
            defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
            if let path = options["path"], FileManager.default.fileExists(atPath: path),
               let contents = try? FileManager.default.contentsOfDirectory(atPath: path), !contents.isEmpty {
                return (.init(failedBackend: descriptor.name, options: given,
                              reason: "store path '\(path)' is not empty; every run starts from a fresh store: give an empty or new directory"), "")
            }
            print("\n\(descriptor.name): opening a fresh store (\(Redaction.redact(given).map { "\($0)=\($1)" }.sorted().joined(separator: " ").nonEmptyOr("default options")))")
            do {
                let store = try descriptor.open(BackendOptions(options))
                let progress = ProgressPrinter(backend: descriptor.name, plain: plainProgress)
                let replayOptions = ReplayOptions(workers: workers, mode: mode, progress: progress.report,
                                                  progressIntervalSeconds: progress.intervalSeconds)
                let result = try Replayer.run(store, plan: plan, options: replayOptions)
                store.close()
                progress.finish()
                let size = descriptor.isPersistent ? options["path"].map(directorySize) : nil
                var files: [String: String] = [:]
                for (name, histogram) in [("all", result.histogram())] + result.kinds.map({ ($0.description, result.histogram(kind: $0)) }) {
                    let file = "\(descriptor.name)-\(name).hgrm"
                    try folder.write(histogram.hgrm(), to: file)
                    files[name] = file
                }
                let durability = descriptor.options.first { $0.name == "durability" }.map { options[$0.name] ?? $0.defaultValue }
                let commit = descriptor.options.first { $0.name == "commit" }.map { options[$0.name] ?? $0.defaultValue }
                let backendResult = ResultsDocument.BackendResult(
                    backend: descriptor.name, options: given, durability: durability, commit: commit, result: result,
                    storeBytesOnDisk: size, histogramFiles: files)
                print("\(descriptor.name): \(result.completed) operations, \(String(format: "%.0f", result.achievedPerSecond)) ops/s, "
                      + "integrity \(result.integrity.isIntact ? "ok (lost: 0)" : "FAILED (lost: \(result.integrity.lost))")")
                return (backendResult, TimeSeriesCSV.rows(backend: descriptor.name, series: result.series))
            } catch let error as StoreError {
                print("\(descriptor.name): FAILED: \(error.message)")
                return (.init(failedBackend: descriptor.name, options: given, reason: error.message), "")
            } catch {
                print("\(descriptor.name): FAILED: \(error)")
                return (.init(failedBackend: descriptor.name, options: given, reason: "\(error)"), "")
            }
        }
    }
}

/// Bytes the files under `path` occupy on disk.
func directorySize(_ path: String) -> UInt64 {
    guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total: UInt64 = 0
    for case let name as String in enumerator {
        var info = stat()
        if stat((path as NSString).appendingPathComponent(name), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
            total += UInt64(info.st_blocks) * 512
        }
    }
    return total
}

/// Ctrl-C stops the replay; the results written so far are kept and marked incomplete. A second Ctrl-C exits.
func installInterruptHandler() {
    signal(SIGINT) { _ in
        if replayInterruption.exchange(true, ordering: .relaxed) { _exit(130) }
    }
}

extension ReplayOptions.Mode: ExpressibleByArgument {}

extension String {
    func nonEmptyOr(_ fallback: String) -> String { isEmpty ? fallback : self }
}

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

        @Option(help: "Run every backend this many times, interleaved (A B C A B C ...); `compare` needs 3 or more.")
        var `repeat` = 1

        @Option(help: "Results folder; default: results/runs/<UTC time>-<scenario>.")
        var out: String?

        @Flag(help: "Print progress as plain lines (the default when not on a terminal).")
        var plainProgress = false

        /// Makes every operation this much slower, to check that a comparison catches a regression (CI's own test).
        @Option(help: .hidden)
        var slowDownForTesting = 0.0

        func validate() throws {
            guard (1...100).contains(`repeat`) else { throw ValidationError("--repeat must be from 1 to 100, got \(`repeat`)") }
            guard (0...10).contains(slowDownForTesting) else { throw ValidationError("--slow-down-for-testing must be from 0 to 10") }
            guard (1...1024).contains(workers) else { throw ValidationError("--workers must be from 1 to 1024, got \(workers)") }
            for name in backendNames {
                do { _ = try BackendCatalog.backend(named: name) } catch { throw ValidationError(error.message) }
            }
            guard !backendNames.isEmpty else { throw ValidationError("--backends lists no backend") }
            let byBackend: [String: [String: String]]
            do { byBackend = try optionsByBackend() } catch let error as CommandFailure { throw ValidationError(error.description) }
            for (name, options) in byBackend {
                do { try BackendCatalog.backend(named: name).validate(BackendOptions(options)) } catch {
                    throw ValidationError("\(name): \(error.message)")
                }
            }
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
            say("\(scenario.name): \(plan.scheduledCount) operations over \(scenario.duration) after \(plan.setupCount) setup operations, "
                + "\(workers) workers, \(mode == .open ? "open" : "closed") loop, trace \(hex(plan.traceDigest))")
            let progress = ProgressPrinter(plain: plainProgress)
            var run = BenchmarkRun(
                plan: plan, traceFile: traceFile,
                backends: try backendNames.map { (try BackendCatalog.backend(named: $0), backendOptions[$0] ?? [:]) },
                replayOptions: ReplayOptions(workers: workers, mode: mode, progress: progress.report,
                                             progressIntervalSeconds: progress.intervalSeconds),
                say: { progress.finishLine(); say($0) })
            run.repetitions = `repeat`
            run.replayOptions.serviceStretchForTesting = slowDownForTesting
            let (document, table) = try run.execute(into: folder)
            say("\n" + table)
            say("Results written to \(outPath)/ (results.json, summary.md, timeseries.csv, *.hgrm)")
            for result in document.backends where !result.integrity.isIntact {
                FileHandle.standardError.write(Data("\(result.backend) LOST OR CORRUPTED DATA: \(result.integrity.problems.joined(separator: "; "))\n".utf8))
            }
            if replayInterruption.load(ordering: .relaxed) { throw ExitCode(130) }
            if document.backends.contains(where: { !$0.isCorrect }) { throw ExitCode.failure }
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

    }
}

/// Prints a line unbuffered, so that it stays in order with the progress lines on stderr when both are piped.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// Ctrl-C stops the replay; the results written so far are kept and marked incomplete. A second Ctrl-C exits.
func installInterruptHandler() {
    signal(SIGINT) { _ in
        if replayInterruption.exchange(true, ordering: .relaxed) { _exit(130) }
    }
}

extension ReplayOptions.Mode: ExpressibleByArgument {}

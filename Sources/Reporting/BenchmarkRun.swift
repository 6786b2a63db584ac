import Foundation
import Harness
import Histogram
import SurgeCore
import Workload

/// A whole `surgebench run`: one plan replayed against each backend in turn, each on a fresh store, with every file
/// of the results folder written. Knows backends only through their descriptors.
public struct BenchmarkRun {
    public var plan: ReplayPlan
    public var traceFile: String?
    /// Each backend with the options the user gave it.
    public var backends: [(descriptor: BackendDescriptor, options: [String: String])]
    public var replayOptions: ReplayOptions
    /// How many times to run every backend. Repetitions interleave the backends (A B C A B C ...), so a machine whose
    /// speed drifts affects them alike; `compare` needs at least 3.
    public var repetitions = 1
    /// Where progress lines go (stdout by default).
    public var say: (String) -> Void

    public init(plan: ReplayPlan, traceFile: String?, backends: [(descriptor: BackendDescriptor, options: [String: String])],
                replayOptions: ReplayOptions, say: @escaping (String) -> Void = { print($0) }) {
        self.plan = plan
        self.traceFile = traceFile
        self.backends = backends
        self.replayOptions = replayOptions
        self.say = say
    }

    /// Runs every backend and writes `folder`; returns the document (also in `results.json`) and the table.
    public func execute(into folder: ResultsFolder) throws(WorkloadError) -> (document: ResultsDocument, table: String) {
        var results: [ResultsDocument.BackendResult] = []
        var csv = TimeSeriesCSV.header
        for repetition in 0..<repetitions {
            for (descriptor, options) in backends {
                if replayInterruption.load(ordering: .relaxed) { break }
                if repetitions > 1 { say("repetition \(repetition + 1) of \(repetitions)") }
                var outcome = try runBackend(descriptor, options: options, repetition: repetition, folder: folder)
                outcome.result.repetition = repetition
                results.append(outcome.result)
                csv += outcome.csv
            }
        }
        let interrupted = replayInterruption.load(ordering: .relaxed)
        let scenario = plan.scenario
        let document = ResultsDocument(
            complete: !interrupted && results.count == backends.count * repetitions && results.allSatisfy { $0.failure == nil && !$0.interrupted },
            createdAt: ISO8601DateFormatter().string(from: Date()),
            environment: EnvironmentInfo.current(
                engines: Dictionary(backends.map { ($0.descriptor.name, $0.descriptor.engineVersion) }) { a, _ in a },
                storeDirectory: MachineProbe.storeDirectory(forPath: backends.lazy.compactMap { $0.options["path"] }.first)),
            configuration: .init(
                scenario: scenario.name, scenarioDigest: hex(plan.header.scenarioDigest), traceDigest: hex(plan.traceDigest),
                seed: plan.header.seed, scale: plan.header.scale, durationSeconds: scenario.duration.seconds,
                workers: replayOptions.workers, mode: replayOptions.mode, scheduledOperations: plan.scheduledCount,
                setupOperations: plan.setupCount, traceFile: traceFile, scenarioYAML: plan.header.scenarioYAML),
            backends: results)
        let table = MarkdownTable.render(document)
        try folder.write(csv, to: "timeseries.csv")
        try folder.write(table, to: "summary.md")
        let json: String
        do { json = try document.json() } catch { throw WorkloadError("cannot encode results: \(error)") }
        try folder.write(json, to: "results.json")
        try folder.commit()
        return (document, table)
    }

    /// One backend on a fresh store: open, replay, measure the store's size, close, and write its histograms.
    private func runBackend(_ descriptor: BackendDescriptor, options given: [String: String], repetition: Int, folder: ResultsFolder) throws(WorkloadError)
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
        if let path = options["path"], let contents = try? FileManager.default.contentsOfDirectory(atPath: path), !contents.isEmpty {
            let reason = "store path '\(path)' is not empty; every run starts from a fresh store: give an empty or new directory"
            say("\(descriptor.name): FAILED: \(reason)")
            return (.init(failedBackend: descriptor.name, options: given, reason: reason), "")
        }
        let shown = Redaction.redact(given).map { "\($0)=\($1)" }.sorted().joined(separator: " ")
        say("\(descriptor.name): opening a fresh store (\(shown.isEmpty ? "default options" : shown))")
        let result: ReplayResult
        do throws(StoreError) {
            let store = try descriptor.open(BackendOptions(options))
            defer { store.close() }
            var options = replayOptions
            options.label = descriptor.name
            result = try Replayer.run(store, plan: plan, options: options)
        } catch {
            say("\(descriptor.name): FAILED: \(error.message)")
            return (.init(failedBackend: descriptor.name, options: given, reason: error.message), "")
        }
        let size = descriptor.isPersistent ? options["path"].map(Self.directorySize) : nil
        var files: [String: String] = [:]
        for (name, histogram) in [("all", result.histogram())] + result.kinds.map({ ($0.description, result.histogram(kind: $0)) }) {
            let file = repetitions > 1 ? "\(descriptor.name)-r\(repetition + 1)-\(name).hgrm" : "\(descriptor.name)-\(name).hgrm"
            try folder.write(histogram.hgrm(), to: file)
            files[name] = file
        }
        func effective(_ name: String) -> String? {
            descriptor.options.first { $0.name == name }.map { options[$0.name] ?? $0.defaultValue }
        }
        let backendResult = ResultsDocument.BackendResult(
            backend: descriptor.name, options: given, durability: effective("durability"), commit: effective("commit"), result: result,
            storeBytesOnDisk: size, histogramFiles: files)
        say("\(descriptor.name): \(result.completed) operations, \(String(format: "%.0f", result.achievedPerSecond)) ops/s, "
            + "integrity \(result.integrity.isIntact ? "ok (lost: 0)" : "FAILED (lost: \(result.integrity.lost))")")
        return (backendResult, TimeSeriesCSV.rows(backend: descriptor.name, repetition: repetition, series: result.series))
    }

    /// Bytes the files under `path` occupy on disk.
    static func directorySize(_ path: String) -> UInt64 {
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
}

/// A 64-bit digest as 16 hex digits.
public func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

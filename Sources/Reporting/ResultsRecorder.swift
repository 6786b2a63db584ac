import Foundation
import Harness
import Orchestration
import SurgeCore
import Workload

/// Turns a benchmark's outcomes into a results folder as they arrive: each backend's `.hgrm` files at once, then
/// `results.json`, `summary.md` and `timeseries.csv` when ``finish(plan:traceFile:replayOptions:engines:complete:)``
/// commits the folder.
public final class ResultsRecorder {
    public let folder: ResultsFolderWriter
    /// Whether file names carry the repetition (`sqlite-r2-all.hgrm`).
    let repeated: Bool
    private(set) var results: [ResultsDocument.BackendResult] = []
    private var csv = TimeSeriesCSV.header
    /// Where the stores were created, for the machine probe of the disk.
    private let storeDirectory: String
    /// The communities replayed, for the replay records.
    private let shard: Shard
    /// `--start-at`, to record how late each schedule started after it.
    private let startAt: Double?

    /// A recorder writing into `folder`; `storePath` is a `path` option given to the backends, if any.
    public init(folder: ResultsFolderWriter, repeated: Bool, storePath: String?, shard: Shard = .whole, startAt: Double? = nil) {
        self.folder = folder
        self.repeated = repeated
        self.shard = shard
        self.startAt = startAt
        storeDirectory = MachineProbe.storeDirectory(forPath: storePath)
    }

    /// Records one backend's outcome in repetition `repetition` (from 0).
    public func record(_ outcome: BackendOutcome, repetition: Int) throws(BenchmarkError) {
        var result: ResultsDocument.BackendResult
        switch outcome {
        case .failed(let backend, let options, let reason):
            result = .init(failedBackend: backend, options: options, reason: reason)
        case .measured(let measurement):
            let replay = measurement.result
            var files: [String: String] = [:]
            for (name, histogram) in [("all", replay.histogram())] + replay.kinds.map({ ($0.description, replay.histogram(kind: $0)) }) {
                let file = repeated ? "\(measurement.backend)-r\(repetition + 1)-\(name).hgrm" : "\(measurement.backend)-\(name).hgrm"
                try folder.write(histogram.hgrm(), to: file)
                files[name] = file
            }
            result = .init(measurement, histogramFiles: files)
            let recordFile = repeated ? "\(measurement.backend)-r\(repetition + 1)-replay.json" : "\(measurement.backend)-replay.json"
            try folder.write(try ReplayRecordFile.encode(replay.record(shard: shard)), to: recordFile)
            result.replayRecordFile = recordFile
            if let startAt { result.startOffsetMs = (replay.scheduleStartedAt - startAt) * 1000 }
            csv += TimeSeriesCSV.rows(backend: measurement.backend, repetition: repetition, series: replay.series, faults: replay.faults)
        }
        result.repetition = repetition
        results.append(result)
    }

    /// Writes the remaining files, probes the machine, and renames the folder into place; returns the document and
    /// its Markdown table.
    public func finish(plan: ReplayPlan, traceFile: String?, replayOptions: ReplayOptions, engines: [String: String], complete: Bool)
        throws(BenchmarkError) -> (document: ResultsDocument, table: String)
    {
        var configuration = ResultsDocument.Configuration(
            scenario: plan.scenario.name, scenarioDigest: hex(plan.header.scenarioDigest), traceDigest: hex(plan.traceDigest),
            seed: plan.header.seed, scale: plan.header.scale, durationSeconds: plan.scenario.duration.seconds,
            workers: replayOptions.workers, mode: replayOptions.mode, scheduledOperations: plan.load.scheduledCount,
            setupOperations: plan.load.setupCount, traceFile: traceFile, scenarioYAML: plan.header.scenarioYAML)
        configuration.shard = plan.shard.isWhole ? nil : plan.shard.description
        configuration.startAt = replayOptions.startAt.map(StartInstant.format)
        return try finish(configuration: configuration, engines: engines, complete: complete)
    }

    /// Writes the remaining files of a run described by `configuration` and renames the folder into place.
    public func finish(configuration: ResultsDocument.Configuration, engines: [String: String], complete: Bool)
        throws(BenchmarkError) -> (document: ResultsDocument, table: String)
    {
        let document = ResultsDocument(
            complete: complete && results.allSatisfy { $0.failure == nil && !$0.interrupted },
            createdAt: ISO8601DateFormatter().string(from: Date()),
            environment: EnvironmentInfo.current(engines: engines, storeDirectory: storeDirectory),
            configuration: configuration, backends: results)
        let table = ResultsTables.render(document)
        try folder.write(csv, to: "timeseries.csv")
        try folder.write(table, to: "summary.md")
        let json: String
        do { json = try document.json() } catch { throw BenchmarkError("cannot encode results: \(error)") }
        try folder.write(json, to: "results.json")
        try folder.commit()
        return (document, table)
    }
}

/// A 64-bit digest as 16 hex digits.
public func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}

extension BenchmarkSession {
    /// Runs the whole session and writes its results folder; returns the document (also in `results.json`) and the table.
    public func execute(into folder: ResultsFolderWriter, traceFile: String?) throws(BenchmarkError) -> (document: ResultsDocument, table: String) {
        let recorder = ResultsRecorder(
            folder: folder, repeated: repetitions > 1, storePath: backends.lazy.compactMap { $0.options.values[BackendOption.path.name] }.first,
            shard: plan.shard, startAt: replayOptions.startAt)
        let complete = try run { outcome, repetition throws(BenchmarkError) in try recorder.record(outcome, repetition: repetition) }
        let engines = Dictionary(backends.map { ($0.descriptor.name, $0.descriptor.engineVersion) }) { first, _ in first }
        return try recorder.finish(plan: plan, traceFile: traceFile, replayOptions: replayOptions, engines: engines, complete: complete)
    }
}

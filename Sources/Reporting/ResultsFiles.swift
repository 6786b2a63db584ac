import Foundation
import Harness
import Orchestration
import SurgeCore
import Workload

/// A results folder being filled: each backend's `.hgrm` files and replay record as its outcome is added, then
/// `results.json`, `summary.md` and `timeseries.csv` when ``finish(configuration:environment:createdAt:complete:)``
/// commits the folder. Shared by a run's writer and by the merge of shards.
struct ResultsFiles {
    let folder: ResultsFolderWriter
    /// Whether file names carry the repetition (`sqlite-r2-all.hgrm`).
    let repeated: Bool
    /// The communities replayed, for the replay records.
    let shard: Shard
    /// `--start-at`, to record how late each schedule started after it.
    let startAt: Double?
    private(set) var results: [ResultsDocument.BackendResult] = []
    private var csv = TimeSeriesCSV.header

    init(folder: ResultsFolderWriter, repeated: Bool, shard: Shard = .whole, startAt: Double? = nil) {
        self.folder = folder
        self.repeated = repeated
        self.shard = shard
        self.startAt = startAt
    }

    /// Adds one backend's outcome in repetition `repetition` (from 0), writing its histograms and replay record;
    /// `recordedAs` gives the durability and commit settings as recorded (a merge knows them only from the shards' files).
    mutating func add(_ outcome: BackendOutcome, repetition: Int, recordedAs recorded: ResultsDocument.BackendResult? = nil)
        throws(BenchmarkError)
    {
        var result: ResultsDocument.BackendResult
        switch outcome {
        case .failed(let backend, let options, let reason):
            result = .init(failedBackend: backend, options: options, reason: reason)
        case .measured(let measurement):
            let replay = measurement.result
            var files: [String: String] = [:]
            let prefix = repeated ? "\(measurement.backend)-r\(repetition + 1)" : measurement.backend
            for (name, histogram) in [("all", replay.histogram())] + replay.kinds.map({ ($0.description, replay.histogram(kind: $0)) }) {
                let file = "\(prefix)-\(name).hgrm"
                try folder.write(histogram.hgrm(), to: file)
                files[name] = file
            }
            result = .init(measurement, histogramFiles: files)
            let recordFile = "\(prefix)-replay.json"
            try folder.write(try ReplayRecordFile.encode(replay.record(shard: shard)), to: recordFile)
            result.replayRecordFile = recordFile
            if let startAt { result.startOffsetMs = (replay.scheduleStartedAt - startAt) * 1000 }
            csv += TimeSeriesCSV.rows(backend: measurement.backend, repetition: repetition, series: replay.series, faults: replay.faults)
        }
        if let recorded {
            result.durability = recorded.durability
            result.commit = recorded.commit
            result.durabilityClass = recorded.durabilityClass
        }
        result.repetition = repetition
        results.append(result)
    }

    /// Writes the remaining files of a run described by `configuration`, measured on `environment`, and renames the
    /// folder into place; returns the document and its Markdown table.
    func finish(configuration: ResultsDocument.Configuration, environment: EnvironmentInfo, createdAt: String, complete: Bool,
                shardEnvironments: [EnvironmentInfo]? = nil) throws(BenchmarkError) -> (document: ResultsDocument, table: String) {
        var document = ResultsDocument(
            complete: complete && results.allSatisfy { $0.failure == nil && !$0.interrupted },
            createdAt: createdAt, environment: environment, configuration: configuration, backends: results)
        document.shardEnvironments = shardEnvironments
        let table = ResultsTables.render(document)
        try folder.write(csv, to: "timeseries.csv")
        try folder.write(table, to: "summary.md")
        let json: String
        do { json = try document.json() } catch { throw BenchmarkError("cannot encode results: \(error)", kind: .failed) }
        try folder.write(json, to: "results.json")
        try folder.commit()
        return (document, table)
    }
}

import Foundation
import Harness
import Orchestration
import SurgeCore
import Workload

/// `results.json`: one run of a scenario against one or more backends. Documented in docs/results-schema.md;
/// `schemaVersion` changes whenever a field changes meaning or goes away.
public struct ResultsDocument: Sendable, Hashable, Codable {
    public static let currentSchemaVersion = 1

    public var schema = "surgebench-results"
    public var schemaVersion = ResultsDocument.currentSchemaVersion
    /// False when the run was interrupted (Ctrl-C) or a backend failed: the figures cover what ran.
    public var complete: Bool
    /// UTC, ISO 8601.
    public var createdAt: String
    /// The machine that measured (for merged shards: the first shard's; see ``shardEnvironments``).
    public var environment: EnvironmentInfo
    /// For merged shards: each shard's own machine, in shard order, as each measured it; nil for one machine's run.
    public var shardEnvironments: [EnvironmentInfo]?
    public var configuration: Configuration
    public var backends: [BackendResult]

    /// What was run: enough to run it again.
    public struct Configuration: Sendable, Hashable, Codable {
        public var scenario: String
        /// FNV-1a 64 of the effective scenario YAML, hex.
        public var scenarioDigest: String
        /// FNV-1a 64 of the trace's blocks, hex: identical traces, identical digests.
        public var traceDigest: String
        public var seed: UInt64
        public var scale: Double
        public var durationSeconds: Double
        public var workers: Int
        public var mode: ReplayOptions.Mode
        public var scheduledOperations: Int
        public var setupOperations: Int
        /// The trace file replayed, when one was given.
        public var traceFile: String?
        /// The effective (rescaled) scenario.
        public var scenarioYAML: String
        /// The communities replayed, `INDEX/COUNT`, when they were one shard of the trace (nil: all of them).
        public var shard: String? = nil
        /// How many shards' results `merge` added up into these (nil: not merged).
        public var mergedShards: Int? = nil
        /// The wall-clock instant every shard's schedule was to start at (`--start-at`), ISO 8601 UTC.
        public var startAt: String? = nil
    }

    /// One backend's figures.
    public struct BackendResult: Sendable, Hashable, Codable {
        public var backend: String
        /// Which repetition of the run this is (0 when the run was not repeated).
        public var repetition: Int = 0
        /// Options as given, secrets redacted.
        public var options: [String: String]
        /// The durability mode and commit policy in force (defaults filled in), for the table.
        public var durability: String?
        public var commit: String?
        /// The class of the durability mode (`none` for a reference without modes); nil in results from before classes
        /// were recorded and for a backend that could not run.
        public var durabilityClass: DurabilityClass? = nil
        /// False when the harness could not keep its schedule; `invalidReason` says why.
        public var valid: Bool
        public var invalidReason: String?
        public var interrupted: Bool
        /// Set when the backend could not run at all (the other figures are then empty).
        public var failure: String?
        public var setupSeconds: Double
        public var wallSeconds: Double
        public var scheduledOperations: Int
        public var completedOperations: UInt64
        public var offeredPerSecond: Double
        public var achievedPerSecond: Double
        /// All operations over the measured window (warm-up and cool-down excluded).
        public var response: LatencySummary
        public var service: LatencySummary
        public var operations: [OperationResult]
        public var phases: [PhaseResult]
        public var errors: [ErrorCount]
        public var errorCount: UInt64
        /// Operations started over 1 ms after their intended time because their worker was still busy.
        public var lateStarts: UInt64
        public var surge: SurgeFigures
        /// Process CPU time (harness and store) per completed operation.
        public var cpuMicrosPerOperation: Double
        public var bytesWritten: UInt64
        public var bytesWrittenPerOperation: Double
        /// Size of the store's files at the end (nil for in-memory stores).
        public var storeBytesOnDisk: UInt64?
        /// What the store counted about itself: group-commit sizes, engine counters (nil in results of older builds).
        public var storeStatistics: StoreStatistics?
        /// The harness's own cost per operation (taking, timing and recording it).
        public var harnessOverheadMicrosPerOperation: Double
        /// How late idle workers woke for their next operation.
        public var wakeLagP50Ms: Double
        public var wakeLagP99Ms: Double
        public var integrity: IntegrityReport
        /// `.hgrm` files by operation kind (and "all").
        public var histogramFiles: [String: String]
        /// The faults made during the schedule (`--fault`), with what the store showed around each; nil without faults.
        public var faults: [FaultRecord]? = nil
        /// The engine's counters that were followed second by second (rocksdb: `stall.micros`, `flush.write.bytes`,
        /// `compact.write.bytes`), their growth in each second of the schedule; nil for engines without them.
        public var engineSeries: [String: [Double]]? = nil
        /// When the schedule started by this generator's wall clock, ISO 8601 UTC (a merged result: the earliest shard's).
        public var scheduleStartedAt: String? = nil
        /// How long after `--start-at` the schedule started by this generator's clock, in milliseconds (the shards of
        /// one trace compare their starts by it); nil without `--start-at`.
        public var startOffsetMs: Double? = nil
        /// The replay record `merge` adds up (`<backend>[-rN]-replay.json`); nil for a backend that could not run.
        public var replayRecordFile: String? = nil
        /// The generator process's peak resident memory over the replay and its integrity check, in bytes: the
        /// harness's own with a server backend, with the store's for an in-process one (nil in older results).
        public var peakResidentBytes: UInt64? = nil
        /// The whole cost per operation, the servers' included, over the schedule (nil in older results).
        public var cost: CostFigures? = nil
        /// The servers' own figures, for a store on servers (nil otherwise and in older results).
        public var server: ServerFigures? = nil
        /// Open loop: how long the backlog could drain after the schedule (`--drain`), in seconds, and the scheduled
        /// operations that had not completed by then (they mark the run invalid); nil in older results.
        public var drainSeconds: Double? = nil
        public var notCompletedOperations: UInt64? = nil
    }

    public struct OperationResult: Sendable, Hashable, Codable {
        public var kind: String
        public var response: LatencySummary
        public var service: LatencySummary
    }

    public struct PhaseResult: Sendable, Hashable, Codable {
        public var name: String
        public var role: String
        public var startSeconds: Double
        public var endSeconds: Double
        public var offeredPerSecond: Double
        public var response: LatencySummary
        public var operations: [OperationResult]
        /// The phase's cost per operation, between its start and the next phase's (nil in merged and older results).
        public var cost: CostFigures? = nil
    }

    public struct ErrorCount: Sendable, Hashable, Codable {
        public var kind: String
        public var category: String
        public var count: UInt64
    }
}

extension ResultsDocument.BackendResult {
    /// The figures of one replay, with the `.hgrm` files its histograms were written to.
    public init(_ measurement: StoreMeasurement, histogramFiles: [String: String]) {
        let result = measurement.result
        let completed = max(result.completed, 1)
        let measuredPhases = Set(result.load.scenario.phases.indices)
        let operations = result.kinds.map { kind in
            ResultsDocument.OperationResult(
                kind: kind.description, response: LatencySummary(result.histogram(phases: measuredPhases, kind: kind)),
                service: LatencySummary(result.histogram(service: true, phases: measuredPhases, kind: kind)))
        }
        let phases = result.load.scenario.phaseWindows.map { window in
            ResultsDocument.PhaseResult(
                name: window.phase.name, role: window.phase.role.rawValue, startSeconds: window.start, endSeconds: window.end,
                offeredPerSecond: result.load.meanOfferedPerSecond(from: window.start, to: window.end),
                response: LatencySummary(result.histogram(phases: [window.index])),
                operations: result.kinds.map { kind in
                    ResultsDocument.OperationResult(
                        kind: kind.description, response: LatencySummary(result.histogram(phases: [window.index], kind: kind)),
                        service: LatencySummary(result.histogram(service: true, phases: [window.index], kind: kind)))
                })
        }
        let errors = result.errors.flatMap { kind, categories in
            categories.map { ResultsDocument.ErrorCount(kind: kind.description, category: $0.key.rawValue, count: $0.value) }
        }.sorted { ($0.kind, $0.category) < ($1.kind, $1.category) }
        let wakeLag = LatencySummary(result.wakeLag)
        self.init(
            backend: measurement.backend, options: Redaction.redact(measurement.options), durability: measurement.settings.durability?.name,
            commit: measurement.settings.commit?.rawValue, valid: result.invalidReason == nil, invalidReason: result.invalidReason, interrupted: result.interrupted, failure: nil,
            setupSeconds: Double(result.setupNanos) / 1e9, wallSeconds: Double(result.wallNanos) / 1e9,
            scheduledOperations: result.load.scheduledCount, completedOperations: result.completed,
            offeredPerSecond: result.offeredPerSecond, achievedPerSecond: result.achievedPerSecond,
            response: LatencySummary(result.histogram(phases: measuredPhases)),
            service: LatencySummary(result.histogram(service: true, phases: measuredPhases)),
            operations: operations, phases: phases, errors: errors, errorCount: result.errorCount,
            lateStarts: result.series.reduce(0) { $0 + $1.lateStarts }, surge: SurgeFigures(result),
            cpuMicrosPerOperation: Double(result.usage.cpuNanos) / 1000 / Double(completed),
            bytesWritten: result.usage.bytesWritten, bytesWrittenPerOperation: Double(result.usage.bytesWritten) / Double(completed),
            storeBytesOnDisk: measurement.bytesOnDisk, storeStatistics: measurement.statistics, harnessOverheadMicrosPerOperation: result.harnessOverheadNanosPerOperation / 1000,
            wakeLagP50Ms: wakeLag.p50Ms, wakeLagP99Ms: wakeLag.p99Ms, integrity: result.integrity, histogramFiles: histogramFiles)
        durabilityClass = measurement.settings.durabilityClass
        faults = result.faults.isEmpty ? nil : result.faults
        engineSeries = result.engineSeries.isEmpty ? nil : result.engineSeries
        scheduleStartedAt = result.scheduleStartedAt > 0 ? Figures.instant(result.scheduleStartedAt) : nil
        drainSeconds = result.drainBound?.seconds
        notCompletedOperations = result.drainBound == nil ? nil : result.notCompleted
        peakResidentBytes = result.peakResidentBytes
        cost = CostFigures(client: result.usage, server: result.server, operations: result.completed, writes: result.acknowledgedWrites)
        server = result.server.map { ServerFigures($0, operations: result.completed) }
        for (index, phaseCost) in result.phaseCosts.enumerated() where index < self.phases.count {
            self.phases[index].cost = CostFigures(client: phaseCost.client, server: phaseCost.server, operations: phaseCost.operations,
                                             writes: phaseCost.acknowledgedWrites)
        }
    }

    /// A backend that could not run: the reason and nothing else.
    public init(failedBackend backend: String, options: [String: String], reason: String) {
        let empty = LatencySummary.empty
        self.init(
            backend: backend, options: Redaction.redact(options), durability: nil, commit: nil, valid: false,
            invalidReason: reason, interrupted: false, failure: reason, setupSeconds: 0, wallSeconds: 0, scheduledOperations: 0,
            completedOperations: 0, offeredPerSecond: 0, achievedPerSecond: 0, response: empty, service: empty, operations: [],
            phases: [], errors: [], errorCount: 0, lateStarts: 0,
            surge: SurgeFigures(baselineP99Ms: 0, recovered: false, largestBacklog: 0),
            cpuMicrosPerOperation: 0, bytesWritten: 0, bytesWrittenPerOperation: 0, storeBytesOnDisk: nil, storeStatistics: nil,
            harnessOverheadMicrosPerOperation: 0, wakeLagP50Ms: 0, wakeLagP99Ms: 0, integrity: IntegrityReport(), histogramFiles: [:])
    }

    /// Whether the results say the store lost or corrupted nothing.
    public var isCorrect: Bool { failure == nil && integrity.isIntact }
}

extension ResultsDocument {
    /// Encodes as pretty, key-sorted JSON.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }

    /// Reads a results file; says what is wrong with one that is missing, truncated or of another schema.
    public static func read(path: String) throws(BenchmarkError) -> ResultsDocument {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkError("cannot read results '\(path)': no such file")
        }
        struct Header: Decodable { var schema: String?; var schemaVersion: Int? }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw BenchmarkError("'\(path)' is not JSON (truncated?); it is not a SurgeBench results file")
        }
        guard header.schema == "surgebench-results" else {
            throw BenchmarkError("'\(path)' is not a SurgeBench results file (schema is '\(header.schema ?? "missing")')")
        }
        guard header.schemaVersion == currentSchemaVersion else {
            throw BenchmarkError("'\(path)' has results schema version \(header.schemaVersion ?? 0); this build reads version \(currentSchemaVersion)")
        }
        do {
            return try JSONDecoder().decode(ResultsDocument.self, from: data)
        } catch {
            throw BenchmarkError("'\(path)' is a damaged results file: \(error)")
        }
    }
}

import Foundation
import Harness
import SurgeCore
import Workload

/// What `surgebench run` measured: every backend's outcome in every repetition, with the plan it replayed and the
/// machine it ran on. Reporting turns it into a results folder; nothing in it needs the run again.
public struct RunOutcome {
    /// One backend's outcome in one repetition (from 0), its replay kept as a compact record: a session of many
    /// runs then holds no run's histograms while the next one measures (they would count in its peak resident memory).
    public struct Run {
        /// How the backend's run ended.
        public var outcome: RecordedOutcome
        /// Which repetition, from 0.
        public var repetition: Int
    }

    /// A ``BackendOutcome`` whose replay is kept as its ``ReplayRecord`` (lossless; a few bytes a histogram bucket).
    public enum RecordedOutcome {
        case measured(RecordedMeasurement)
        case failed(backend: String, options: [String: String], reason: String)

        /// Keeps `outcome`'s replay of the communities of `shard` as a record.
        public init(_ outcome: BackendOutcome, shard: Shard) {
            switch outcome {
            case .measured(let measurement): self = .measured(RecordedMeasurement(measurement, shard: shard))
            case .failed(let backend, let options, let reason): self = .failed(backend: backend, options: options, reason: reason)
            }
        }

        /// The outcome again, its replay rebuilt from the record.
        public func outcome() throws(BenchmarkError) -> BackendOutcome {
            switch self {
            case .measured(let recorded): .measured(try recorded.measurement())
            case .failed(let backend, let options, let reason): .failed(backend: backend, options: options, reason: reason)
            }
        }
    }

    /// A ``StoreMeasurement`` with its replay as a record.
    public struct RecordedMeasurement {
        /// The measurement's other parts, as ``StoreMeasurement`` has them.
        public var backend: String
        public var options: [String: String]
        public var settings: StoreSettings
        public var bytesOnDisk: UInt64?
        public var statistics: StoreStatistics
        /// The replay, lossless (``ReplayResult/record(shard:)``).
        public var record: ReplayRecord

        /// Keeps `measurement`'s replay of the communities of `shard` as a record.
        public init(_ measurement: StoreMeasurement, shard: Shard) {
            backend = measurement.backend
            options = measurement.options
            settings = measurement.settings
            bytesOnDisk = measurement.bytesOnDisk
            statistics = measurement.statistics
            record = measurement.result.record(shard: shard)
        }

        /// The measurement, its replay rebuilt from the record.
        public func measurement() throws(BenchmarkError) -> StoreMeasurement {
            StoreMeasurement(backend: backend, options: options, settings: settings, bytesOnDisk: bytesOnDisk, statistics: statistics,
                             result: try ReplayResult(merging: [record]))
        }
    }

    /// The trace replayed (scenario, digests, shard).
    public var plan: ReplayPlan
    /// How it was replayed (workers, mode, `--start-at`).
    public var replayOptions: ReplayOptions
    /// How many times every backend ran.
    public var repetitions: Int
    /// Every run made, in the order made (A B C A B C ...).
    public var runs: [Run]
    /// True when every run was made (no Ctrl-C).
    public var complete: Bool
    /// The machine, captured after the runs, with its disk probed where the stores were.
    public var environment: EnvironmentInfo
    /// When the run ended (ISO 8601, UTC).
    public var finishedAt: String
}

/// The current time as results record it (ISO 8601, UTC).
public func timestampNow() -> String { ISO8601DateFormatter().string(from: Date()) }

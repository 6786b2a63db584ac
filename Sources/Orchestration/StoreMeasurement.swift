import Harness
import SurgeCore

/// One backend's replay on a fresh store: what the harness measured and what the store said of itself.
public struct StoreMeasurement {
    /// The backend's name.
    public var backend: String
    /// The options as given (secrets not yet redacted).
    public var options: [String: String]
    /// The durability and commit settings the store ran with.
    public var settings: StoreSettings
    /// The store's size on disk at the end of the replay, when it has files of its own.
    public var bytesOnDisk: UInt64?
    /// What the store counted about itself (group-commit sizes, engine counters).
    public var statistics: StoreStatistics
    /// What the harness measured.
    public var result: ReplayResult

    /// A measurement of `backend` opened with `options`, running `settings`, of `bytesOnDisk`, with its `statistics` and `result`.
    public init(backend: String, options: [String: String], settings: StoreSettings, bytesOnDisk: UInt64?, statistics: StoreStatistics,
                result: ReplayResult) {
        self.backend = backend
        self.options = options
        self.settings = settings
        self.bytesOnDisk = bytesOnDisk
        self.statistics = statistics
        self.result = result
    }
}

/// How one backend's replay ended: measured, or unable to run (with why).
public enum BackendOutcome {
    case measured(StoreMeasurement)
    case failed(backend: String, options: [String: String], reason: String)
}

import SurgeCore

/// How to replay a trace.
public struct ReplayOptions: Sendable {
    public enum Mode: String, Sendable, CaseIterable, Codable {
        /// Each operation starts at its intended time; response time counts from then (no coordinated omission).
        case open
        /// Each worker runs its operations back to back, as fast as the store allows (maximum throughput).
        case closed
    }

    /// Worker threads, each with its own connection.
    public var workers: Int
    public var mode: Mode
    /// A start later than this after its intended time, by a worker that was busy, counts as a late start.
    public var lateStartNanos: UInt64
    /// The median wake-up delay of idle workers above which the run is marked invalid: the harness, not the
    /// store, could not keep the schedule.
    public var invalidWakeLagNanos: UInt64
    /// Called about every `progressIntervalSeconds` from a monitor thread while the schedule runs.
    public var progress: (@Sendable (ReplayProgress) -> Void)?
    public var progressIntervalSeconds: Double
    /// A name for the progress line (the backend).
    public var label = ""
    /// For testing a comparison only: a deliberate regression, every operation or only the slowest ones made
    /// slower by spinning after them; nil: none.
    public var stretchForTesting: ServiceStretch?
    /// Topology changes to make at their times of the schedule, through ``faultInjector``.
    public var faults: [StoreFault] = []
    /// Makes a fault happen (the store's ``FaultInjecting/inject(_:)``), returning what it did.
    public var faultInjector: (@Sendable (StoreFault) -> Result<FaultEffect, StoreError>)?
    /// Called after the schedule when faults were made, before the integrity check: waits until the store serves again.
    public var faultSettler: (@Sendable () -> Void)?
    /// The engine's cumulative counters (``EngineCounterSampling``), sampled at every second of the schedule.
    public var engineSampler: (@Sendable () -> [String: Double])?
    /// The store's servers' counters (``ServerCostReporting``), read at the edges of the schedule and its phases.
    public var serverSampler: (@Sendable () -> ServerSample)?
    /// Where acknowledged writes are logged as they happen, for a crash run's verification; nil otherwise.
    public var acknowledgements: AcknowledgementLog?
    /// The wall-clock instant (seconds since 1970) the schedule starts at, so that the shards of a trace on several
    /// machines start together; nil: as soon as the population is built.
    public var startAt: Double?
    /// Shown the replay's live counters when its schedule starts (a metrics endpoint); nil: nobody.
    public var observer: (any ReplayObserver)?
    /// Stops the replay early when requested: its results are then marked incomplete.
    public var stop = StopSignal()
    /// Open loop: how long after the schedule's end the backlog may drain. No operation starts later; what has not
    /// completed then counts as not completed and marks the run invalid, and a call still under way a second later is
    /// abandoned (the store is then not read back). A store that stops answering cannot hold a run forever.
    public var drainBound = ReplayOptions.defaultDrainBound
    /// The drain bound unless told otherwise.
    public static let defaultDrainBound = TimeSpan(seconds: 10)

    public init(workers: Int, mode: Mode = .open, lateStartNanos: UInt64 = 1_000_000, invalidWakeLagNanos: UInt64 = 2_000_000,
                progress: (@Sendable (ReplayProgress) -> Void)? = nil, progressIntervalSeconds: Double = 1) {
        self.workers = workers
        self.mode = mode
        self.lateStartNanos = lateStartNanos
        self.invalidWakeLagNanos = invalidWakeLagNanos
        self.progress = progress
        self.progressIntervalSeconds = progressIntervalSeconds
    }
}

/// What the live status line shows.
public struct ReplayProgress: Sendable {
    public var label: String
    public var elapsedSeconds: Double
    public var totalSeconds: Double
    public var phase: String
    public var offeredPerSecond: Double
    public var achievedPerSecond: Double
    /// Approximate (power-of-two buckets) p99 response time so far, in milliseconds.
    public var p99MillisSoFar: Double?
    public var errors: UInt64
    public var lateStarts: UInt64
}

import Foundation
import Harness
import SurgeCore

/// What `surgebench run` measured: every backend's outcome in every repetition, with the plan it replayed and the
/// machine it ran on. Reporting turns it into a results folder; nothing in it needs the run again.
public struct RunOutcome {
    /// One backend's outcome in one repetition (from 0).
    public struct Run {
        /// How the backend's run ended.
        public var outcome: BackendOutcome
        /// Which repetition, from 0.
        public var repetition: Int
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

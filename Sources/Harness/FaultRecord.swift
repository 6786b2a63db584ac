import SurgeCore

/// A fault made during a replay: when it started and ended on the schedule's clock, what it did, and what the store
/// showed around it (from the 1-second series).
public struct FaultRecord: Sendable, Hashable, Codable {
    public var fault: StoreFault
    public var startedSeconds: Double
    public var finishedSeconds: Double
    /// What the store said it did, or why it could not.
    public var outcome: String
    public var failed: Bool
    /// Median of the per-second p99 in the 5 seconds before the fault, in ms.
    public var p99BeforeMs: Double?
    /// The worst per-second p99 from the fault's start to 5 seconds after its end, in ms.
    public var p99WorstMs: Double?
    /// Operations that failed from the fault's start to 10 seconds after its end (or to the next fault's start).
    public var errorsAfter: UInt64
    /// Those errors by category (`unavailable`, `notReplicated`, `dependencyFailed`, ...); nil in older results.
    public var errorsByCategory: [String: UInt64]?
    /// The longest time, from the fault's start, that no write to the data it touched (the slots moved, the killed
    /// master's slots) succeeded, in seconds; nil when the fault touched no data or none of its writes succeeded again
    /// (see ``writesResumed``).
    public var longestWriteGapSeconds: Double?
    /// Whether a write to the touched data succeeded after the fault (before a later fault touched data, or the end);
    /// nil when the fault touched no data the store watched.
    public var writesResumed: Bool?
    /// Seconds from the fault's start until a second with no errors (0: none failed).
    public var secondsWithErrors: Int
    /// Seconds from the fault's end until the per-second p99 stays within 2x its level before the fault for 3
    /// seconds (the surge recovery's definition); nil when it did not within the schedule.
    public var recoverySeconds: Double?

    init(_ run: FaultRun, nextFaultSeconds: Double?, series: [SecondSample], errorsBySecond: (Range<Int>) -> [ErrorCategory: UInt64]) {
        fault = run.fault
        startedSeconds = run.started
        finishedSeconds = run.finished
        outcome = run.outcome
        failed = run.failed
        let start = Int(startedSeconds.rounded(.down))
        let end = Int(finishedSeconds.rounded(.up))
        let before = series.filter { $0.second >= start - 5 && $0.second < start && $0.achieved > 0 }.map(\.p99Ms).sorted()
        p99BeforeMs = before.isEmpty ? nil : before[before.count / 2]
        p99WorstMs = series.filter { $0.second >= start && $0.second < end + 5 }.map(\.p99Ms).max()
        let errorsEnd = max(start, min(end + 10, nextFaultSeconds.map { Int($0.rounded(.down)) } ?? Int.max))
        errorsAfter = series.filter { $0.second >= start && $0.second < errorsEnd }.reduce(0) { $0 + $1.errors }
        let categories = errorsBySecond(start..<errorsEnd)
        errorsByCategory = Dictionary(uniqueKeysWithValues: categories.map { ($0.key.rawValue, $0.value) })
        longestWriteGapSeconds = run.writes?.longestGapSeconds
        writesResumed = run.writes.map { $0.longestGapSeconds != nil }
        secondsWithErrors = (series.first { $0.second >= start && $0.errors == 0 }?.second).map { $0 - start }
            ?? max(0, (series.last?.second ?? start) + 1 - start)
        recoverySeconds = p99BeforeMs.flatMap { before in
            SecondSample.settledSecond(in: series, from: end, before: series.count, limit: 2 * before).map { max(0, Double($0) - run.finished) }
        }
    }
}

import Harness
import Workload

/// What the surge did to the store and how fast it recovered.
public struct SurgeFigures: Sendable, Hashable, Codable {
    /// p99 response time, all operations, over the measured part of the baseline phases.
    public var baselineP99Ms: Double
    /// The surge phase with the highest offered rate, and its p99.
    public var peakPhase: String?
    public var peakP99Ms: Double?
    public var peakToBaselineRatio: Double?
    /// Seconds from the end of the surge until p99 stays within 2x baseline for 3 seconds; nil when it never did
    /// before the schedule ended (see `recovered`).
    public var recoverySeconds: Double?
    public var recovered: Bool
    /// The most operations offered but not yet finished at any second's end.
    public var largestBacklog: UInt64

    public init(baselineP99Ms: Double, peakPhase: String? = nil, peakP99Ms: Double? = nil, peakToBaselineRatio: Double? = nil,
                recoverySeconds: Double? = nil, recovered: Bool, largestBacklog: UInt64) {
        self.baselineP99Ms = baselineP99Ms
        self.peakPhase = peakPhase
        self.peakP99Ms = peakP99Ms
        self.peakToBaselineRatio = peakToBaselineRatio
        self.recoverySeconds = recoverySeconds
        self.recovered = recovered
        self.largestBacklog = largestBacklog
    }
}

extension SurgeFigures {
    /// The surge analysis of `result`: baseline and peak p99, recovery after the surge, the largest backlog.
    public init(_ result: ReplayResult) {
        let load = result.load
        let windows = load.scenario.phaseWindows
        let baselinePhases = Set(windows.filter { $0.phase.role == .baseline }.map(\.index))
        let baseline = LatencySummary(result.histogram(phases: baselinePhases)).p99Ms
        let surgeWindows = windows.filter { $0.phase.role == .surge }
        func offered(_ window: Scenario.PhaseWindow) -> Double { load.meanOfferedPerSecond(from: window.start, to: window.end) }
        let peak = surgeWindows.max { offered($0) < offered($1) }
        let peakP99 = peak.map { LatencySummary(result.histogram(phases: [$0.index])).p99Ms }
        let series = result.series
        var recoverySeconds: Double? = 0
        if let surgeEnd = surgeWindows.map(\.end).max() {
            let limit = 2 * baseline
            let lastSecond = Int((load.scenario.duration.seconds - load.scenario.cooldown.seconds).rounded(.down))
            let first = Int(surgeEnd.rounded(.up))
            let exceeded = series.contains { $0.second >= Int(surgeWindows.map(\.start).min() ?? 0) && $0.second < first && $0.p99Ms > limit }
            if exceeded {
                recoverySeconds = SecondSample.settledSecond(in: series, from: first, before: lastSecond, limit: limit)
                    .map { Double($0) - surgeEnd }
            }
        }
        var backlog: UInt64 = 0
        var offered: UInt64 = 0
        var achieved: UInt64 = 0
        for sample in series {
            offered += sample.offered
            achieved += sample.achieved
            backlog = max(backlog, offered > achieved ? offered - achieved : 0)
        }
        self.init(
            baselineP99Ms: baseline, peakPhase: peak?.phase.name, peakP99Ms: peakP99,
            peakToBaselineRatio: peakP99.map { baseline > 0 ? $0 / baseline : 0 },
            recoverySeconds: recoverySeconds.map { max(0, $0) }, recovered: recoverySeconds != nil, largestBacklog: backlog)
    }
}

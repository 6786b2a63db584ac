import Histogram
import SurgeCore
import Workload

/// Everything one replay measured, merged from every worker, with the figures derived from it.
public final class ReplayResult: @unchecked Sendable {
    /// The load the replay offered (a merged result's: every shard's).
    public let load: OfferedLoad
    public let mode: ReplayOptions.Mode
    /// A median wake lag above this makes the run invalid.
    let invalidWakeLagNanos: UInt64
    /// Setup (the population) took this long, closed loop, not measured.
    public let setupNanos: UInt64
    /// From the start of the schedule until the last worker finished.
    public let wallNanos: UInt64
    public let usage: ResourceUsage
    /// Stopped early (Ctrl-C): the figures cover what ran.
    public let interrupted: Bool
    public let integrity: IntegrityReport
    /// The faults made during the schedule, with what the store showed around each.
    public internal(set) var faults: [FaultRecord] = []
    /// The engine's counters by name, their growth in each second of the schedule (see ``ReplayOptions/engineSampler``).
    public internal(set) var engineSeries: [String: [Double]] = [:]
    /// When the schedule started, by the wall clock (seconds since 1970).
    public internal(set) var scheduleStartedAt: Double = 0
    /// The process's peak resident memory over the replay and its integrity check (the largest shard's, merged): the
    /// harness's own with a server backend, the store's with it with an in-process one. nil where unknown.
    public internal(set) var peakResidentBytes: UInt64?
    /// What the store's servers spent over the schedule; nil for a store without servers.
    public internal(set) var server: ServerCost?
    /// What each phase cost (empty for a merged result, whose shards' phase edges differ).
    public internal(set) var phaseCosts: [PhaseCost] = []
    /// Scheduled operations that had not completed when the drain bound ran out (0 when every one did, or when the
    /// run was interrupted or closed loop, which have no bound).
    public internal(set) var notCompleted: UInt64 = 0
    /// The drain bound the run had (open loop); nil where none applied.
    public internal(set) var drainBound: TimeSpan?
    let recorders: [WorkerRecorder]
    let setupRecorders: [WorkerRecorder]

    init(load: OfferedLoad, mode: ReplayOptions.Mode, invalidWakeLagNanos: UInt64, recorders: [WorkerRecorder], setupRecorders: [WorkerRecorder],
         setupNanos: UInt64, wallNanos: UInt64, usage: ResourceUsage, interrupted: Bool, integrity: IntegrityReport) {
        self.load = load
        self.mode = mode
        self.invalidWakeLagNanos = invalidWakeLagNanos
        self.recorders = recorders
        self.setupRecorders = setupRecorders
        self.setupNanos = setupNanos
        self.wallNanos = wallNanos
        self.usage = usage
        self.interrupted = interrupted
        self.integrity = integrity
    }

    public var completed: UInt64 { recorders.reduce(0) { $0 + $1.completed } }
    public var achievedPerSecond: Double { Double(completed) / max(Double(wallNanos) / 1e9, 1e-9) }
    public var offeredPerSecond: Double { Double(load.scheduledCount) / load.scenario.duration.seconds }

    /// Response (from intended start) or service (from actual start) times, merged over workers, for one phase
    /// and kind or (nil) all of them. Only the measured window (without warm-up and cool-down) counts.
    public func histogram(service: Bool = false, phases: Set<Int>? = nil, kind: OperationKind? = nil) -> Histogram<UInt32> {
        var merged = WorkerRecorder.makeHistogram()
        // The workers of one replay share their histograms; the shards of a merged one each have theirs.
        for latencies in distinctInstances(recorders.map(\.latencies)) {
            let slots = service ? latencies.service : latencies.response
            for (slot, histogram) in slots.enumerated() {
                guard let histogram else { continue }
                let phase = slot / WorkerRecorder.kindCount
                let slotKind = slot % WorkerRecorder.kindCount
                if let phases, !phases.contains(phase) { continue }
                if let kind, Int(kind.rawValue) != slotKind { continue }
                merged.add(histogram)
            }
        }
        return merged
    }

    /// The operation kinds the schedule holds.
    public var kinds: [OperationKind] {
        let present = load.scheduledCounts
        return OperationKind.allCases.filter { present[$0] != nil }
    }

    /// Errors by kind and category, setup included.
    public var errors: [OperationKind: [ErrorCategory: UInt64]] {
        var merged: [OperationKind: [ErrorCategory: UInt64]] = [:]
        for recorder in recorders + setupRecorders {
            for (kind, categories) in recorder.errorCounts() {
                for (category, count) in categories { merged[kind, default: [:]][category, default: 0] += count }
            }
        }
        return merged
    }

    public var errorCount: UInt64 { errors.values.reduce(0) { $0 + $1.values.reduce(0, +) } }

    /// Operations that succeeded and were intended in phase `phase` (nil: every phase), of the kinds `writes` selects
    /// (true: writes only; nil: every kind).
    public func succeeded(phase: Int? = nil, writes: Bool? = nil) -> UInt64 {
        var total: UInt64 = 0
        for recorder in recorders {
            for (slot, count) in recorder.succeeded.enumerated() where count > 0 {
                if let phase, slot / WorkerRecorder.kindCount != phase { continue }
                if let writes, let kind = OperationKind(rawValue: UInt8(slot % WorkerRecorder.kindCount)), kind.isWrite != writes { continue }
                total += count
            }
        }
        return total
    }

    /// Writes the store acknowledged over the whole schedule.
    public var acknowledgedWrites: UInt64 { succeeded(writes: true) }

    /// Records the costs read at the schedule's and phases' edges (``CostSampler``).
    func recordCosts(_ edges: [CostSampler.Sample]) {
        guard let first = edges.first, let last = edges.last else { return }
        if let start = first.server, let end = last.server {
            server = ServerCost(from: start, to: end, between: edges.compactMap(\.server))
        }
        phaseCosts = zip(edges, edges.dropFirst()).enumerated().map { phase, pair in
            let (start, end) = pair
            return PhaseCost(
                client: end.client - start.client,
                server: start.server.flatMap { start in end.server.map { ServerCost(from: start, to: $0) } },
                operations: succeeded(phase: phase), acknowledgedWrites: succeeded(phase: phase, writes: true))
        }
    }

    /// The harness's own time per operation: taking the operation, timing and recording it (not waiting, not the store).
    public var harnessOverheadNanosPerOperation: Double {
        let samples = recorders.reduce(0) { $0 + $1.harnessSamples }
        return samples == 0 ? 0 : Double(recorders.reduce(0) { $0 + $1.harnessNanos }) / Double(samples)
    }

    /// How late idle workers woke for their next operation.
    public var wakeLag: Histogram<UInt32> {
        var merged = WorkerRecorder.makeHistogram()
        for recorder in recorders { merged.add(recorder.wakeLag) }
        return merged
    }

    /// Why the run cannot be trusted, if it cannot: the harness fell behind its own schedule.
    public var invalidReason: String? {
        if notCompleted > 0 {
            return "\(notCompleted) of \(load.scheduledCount) scheduled operations had not completed \(drainBound ?? ReplayOptions.defaultDrainBound) "
                + "after the schedule ended (the drain bound, --drain): the store stopped answering or fell too far behind; "
                + "they count as not completed and no figure includes them"
        }
        // Without faults made on purpose, a run whose operations mostly failed measured its failures, not the store.
        let failed = errorCount
        if faults.isEmpty, failed > 0, Double(failed) > 0.01 * Double(max(load.scheduledCount, 1)) {
            let worst = errors.flatMap { kind, categories in categories.map { ("\(kind) \($0.key.rawValue)", $0.value) } }.max { $0.1 < $1.1 }
            return "\(failed) of \(load.scheduledCount) operations failed (over 1%; most: \(worst.map { "\($0.0) \($0.1)" } ?? "")): "
                + "the figures describe failures, not the store; see the errors and the store's options (a full map or disk?)"
        }
        let lag = wakeLag
        guard mode == .open, lag.totalCount > 0 else { return nil }
        let median = lag.valueAtPercentile(50)
        guard median > invalidWakeLagNanos else { return nil }
        return String(format: "idle workers woke %.2f ms late at the median (limit %.2f ms): the harness could not keep its schedule; "
            + "use fewer workers or a quieter machine", Double(median) / 1e6, Double(invalidWakeLagNanos) / 1e6)
    }

    /// Records the faults made, with what the store showed around each.
    func recordFaults(_ made: [FaultRun]) {
        let series = self.series
        faults = made.enumerated().map { index, run in
            FaultRecord(run, nextFaultSeconds: index + 1 < made.count ? made[index + 1].started : nil, series: series,
                        errorsBySecond: errors(inSeconds:))
        }
    }

    /// Errors by category over the seconds `range` of intended time, without zeros.
    func errors(inSeconds range: Range<Int>) -> [ErrorCategory: UInt64] {
        var counts: [ErrorCategory: UInt64] = [:]
        let seconds = load.offeredPerSecond.count
        for recorder in recorders {
            for second in max(0, range.lowerBound)..<min(seconds, max(range.upperBound, 0)) {
                for category in ErrorCategory.allCases {
                    let count = recorder.secondErrors[second * WorkerRecorder.categoryCount + category.index]
                    if count > 0 { counts[category, default: 0] += count }
                }
            }
        }
        return counts
    }

    /// The 1-second series over the schedule.
    public var series: [SecondSample] {
        let seconds = load.offeredPerSecond.count
        // The workers of one replay share their seconds' response times; the shards of a merged one each have theirs.
        let shared = distinctInstances(recorders.map(\.secondResponses))
        return (0..<seconds).map { second in
            var histogram = WorkerRecorder.makeHistogram(digits: .two)
            for responses in shared { histogram.add(responses.histogram(second: second)) }
            var late: UInt64 = 0
            var errors: UInt64 = 0
            var achieved: UInt64 = 0
            for recorder in recorders {
                late += recorder.secondLate[second]
                let row = second * WorkerRecorder.categoryCount
                errors += recorder.secondErrors[row..<row + WorkerRecorder.categoryCount].reduce(0, +)
                achieved += recorder.secondCompleted[second]
            }
            let summary = LatencySummary(histogram)
            return SecondSample(second: second, offered: load.offeredPerSecond[second], achieved: achieved,
                                p50Ms: summary.p50Ms, p99Ms: summary.p99Ms, maxMs: summary.maxMs, lateStarts: late, errors: errors)
        }
    }

    /// Completions after the schedule's last second (a backlog draining).
    public var completedAfterSchedule: UInt64 {
        let seconds = load.offeredPerSecond.count
        return recorders.reduce(0) { $0 + $1.secondCompleted[seconds...].reduce(0, +) }
    }

}

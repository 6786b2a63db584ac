import SurgeCore
import Workload

/// Everything one replay measured, lossless and `Codable`: each run writes one per backend next to its results, so
/// that `surgebench merge` can rebuild the result of several shards exactly (histograms added bucket by bucket,
/// counters summed, seconds added by intended time), never from percentiles.
public struct ReplayRecord: Sendable, Codable {
    public var load: OfferedLoad
    /// The communities this replay ran.
    public var shard: Shard
    public var mode: ReplayOptions.Mode
    public var invalidWakeLagNanos: UInt64
    public var setupNanos: UInt64
    public var wallNanos: UInt64
    public var usage: ResourceUsage
    public var interrupted: Bool
    public var integrity: IntegrityReport
    public var faults: [FaultRecord]
    public var engineSeries: [String: [Double]]
    /// When the schedule started, by this generator's wall clock (seconds since 1970).
    public var scheduleStartedAt: Double
    /// See ``ReplayResult/peakResidentBytes`` (absent from records written before it was measured).
    public var peakResidentBytes: UInt64?
    /// See ``ReplayResult/server`` (absent from records written before it was measured).
    public var server: ServerCost?
    /// See ``ReplayResult/phaseCosts`` (absent from older records).
    public var phaseCosts: [PhaseCost]?
    /// See ``ReplayResult/notCompleted`` and ``ReplayResult/drainBound`` (absent from older records).
    public var notCompleted: UInt64?
    public var drainBound: TimeSpan?
    var schedule: RecorderSnapshot
    var setup: RecorderSnapshot
}

extension ReplayResult {
    /// This result as a record of the communities of `shard`.
    public func record(shard: Shard) -> ReplayRecord {
        ReplayRecord(
            load: load, shard: shard, mode: mode, invalidWakeLagNanos: invalidWakeLagNanos, setupNanos: setupNanos, wallNanos: wallNanos,
            usage: usage, interrupted: interrupted, integrity: integrity, faults: faults, engineSeries: engineSeries, scheduleStartedAt: scheduleStartedAt,
            peakResidentBytes: peakResidentBytes, server: server, phaseCosts: phaseCosts, notCompleted: notCompleted, drainBound: drainBound, schedule: RecorderSnapshot(WorkerRecorder.merged(recorders)), setup: RecorderSnapshot(WorkerRecorder.merged(setupRecorders)))
    }

    /// The result of the shards `records` together (one record per shard of one trace, checked by the caller): what
    /// one replay of all their communities would have recorded, with every shard's workers, the longest setup and
    /// schedule, the CPU time and bytes of all, and every shard's integrity findings.
    public convenience init(merging records: [ReplayRecord]) throws(BenchmarkError) {
        guard let first = records.first else { throw BenchmarkError("nothing to merge") }
        let load = records.dropFirst().reduce(first.load) { $0.adding($1.load) }
        let phases = load.scenario.phases.count
        let seconds = load.offeredPerSecond.count
        var recorders: [WorkerRecorder] = []
        var setupRecorders: [WorkerRecorder] = []
        for record in records {
            recorders.append(try WorkerRecorder(record.schedule, phaseCount: phases, seconds: seconds))
            setupRecorders.append(try WorkerRecorder(record.setup, phaseCount: 1, seconds: 1))
        }
        self.init(
            load: load, mode: first.mode, invalidWakeLagNanos: first.invalidWakeLagNanos, recorders: recorders, setupRecorders: setupRecorders,
            setupNanos: records.map(\.setupNanos).max() ?? 0, wallNanos: records.map(\.wallNanos).max() ?? 0,
            usage: records.dropFirst().reduce(first.usage) { $0 + $1.usage },
            interrupted: records.contains(where: \.interrupted),
            integrity: records.dropFirst().reduce(first.integrity) { $0.adding($1.integrity) })
        faults = records.flatMap(\.faults)
        scheduleStartedAt = records.map(\.scheduleStartedAt).min() ?? 0
        peakResidentBytes = records.compactMap(\.peakResidentBytes).max()
        notCompleted = records.reduce(0) { $0 + ($1.notCompleted ?? 0) }
        drainBound = records.compactMap(\.drainBound).max { $0.nanoseconds < $1.nanoseconds }
        // Phase edges are each shard's own instants: only one replay's phases keep their costs.
        phaseCosts = records.count == 1 ? first.phaseCosts ?? [] : []
        // The shards of a run share one store: each saw the servers' whole cost over its window; the longest counts.
        server = records.compactMap(\.server).max { ($0.processes?.cpuNanos ?? 0, $0.reported.count) < ($1.processes?.cpuNanos ?? 0, $1.reported.count) }
        for record in records {
            engineSeries.merge(record.engineSeries) { zip($0, $1).map(+) }
        }
    }
}

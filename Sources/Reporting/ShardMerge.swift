import Foundation
import Harness
import Orchestration
import SurgeCore
import Workload

/// `surgebench merge`: the results folders of every shard of one trace made into one results folder, as if one
/// generator had replayed the whole trace: histograms added bucket by bucket from each shard's replay records (never
/// percentiles averaged), counters summed, seconds added by intended time, integrity findings combined.
public enum ShardMerge {
    /// One shard's folder, read and checked.
    private struct ShardFolder {
        var path: String
        var document: ResultsDocument
        var shard: Shard
    }

    /// Merges the shard folders `paths` into a new results folder `out`; returns its document and table. Refuses, naming
    /// the problem, a missing or duplicated shard, shards of different scenarios, seeds, scales, shard counts or
    /// modes, an incomplete shard, and shards that ran different backends.
    public static func merge(_ paths: [String], into out: String) throws(BenchmarkError) -> (document: ResultsDocument, table: String) {
        let shards = try readShards(paths)
        let first = shards[0]
        let folder = try ResultsFolderWriter(path: out)
        var files = ResultsFiles(folder: folder, repeated: first.document.backends.contains { $0.repetition > 0 })
        for entry in first.document.backends {
            let entries = try shards.map { (shard) throws(BenchmarkError) in
                guard let match = shard.document.backends.first(where: { $0.backend == entry.backend && $0.repetition == entry.repetition }) else {
                    throw BenchmarkError("shard \(shard.shard) ('\(shard.path)') has no run of \(entry.backend) (repetition \(entry.repetition + 1)) "
                        + "but shard \(first.shard) has: every shard must run the same backends")
                }
                return match
            }
            if let failed = zip(shards, entries).first(where: { $0.1.failure != nil }) {
                try files.add(.failed(backend: entry.backend, options: entry.options,
                                      reason: "shard \(failed.0.shard): \(failed.1.failure ?? "")"), repetition: entry.repetition)
                continue
            }
            var records: [ReplayRecord] = []
            for (shard, shardEntry) in zip(shards, entries) {
                guard let file = shardEntry.replayRecordFile else {
                    throw BenchmarkError("'\(shard.path)' names no replay record for \(entry.backend); it was written before shards could be merged: run it again")
                }
                let record = try ReplayRecordFile.read(path: (shard.path as NSString).appendingPathComponent(file))
                guard record.shard == shard.shard else {
                    throw BenchmarkError("'\(shard.path)/\(file)' records shard \(record.shard), but its results say \(shard.shard): the folder was altered")
                }
                records.append(record)
            }
            let measurement = StoreMeasurement(
                backend: entry.backend, options: entry.options, settings: .inMemory,
                bytesOnDisk: entries.compactMap(\.storeBytesOnDisk).max(), statistics: .none, result: try ReplayResult(merging: records))
            try files.add(.measured(measurement), repetition: entry.repetition, recordedAs: entry)
        }
        var configuration = first.document.configuration
        configuration.shard = nil
        configuration.mergedShards = shards.count
        configuration.workers = shards.reduce(0) { $0 + $1.document.configuration.workers }
        configuration.scheduledOperations = shards.reduce(0) { $0 + $1.document.configuration.scheduledOperations }
        configuration.setupOperations = shards.reduce(0) { $0 + $1.document.configuration.setupOperations }
        configuration.traceDigest = Figures.hex(TraceCoding.fnv1a(shards.flatMap { Array($0.document.configuration.traceDigest.utf8) }))
        configuration.traceFile = nil
        // Each shard's machine as it measured it: the merge probes nothing of the machine that merges.
        return try files.finish(configuration: configuration, environment: first.document.environment,
                                createdAt: shards.map(\.document.createdAt).max() ?? first.document.createdAt, complete: true,
                                shardEnvironments: shards.map(\.document.environment))
    }

    private static func readShards(_ paths: [String]) throws(BenchmarkError) -> [ShardFolder] {
        guard !paths.isEmpty else { throw BenchmarkError("merge needs the results folders of every shard of a run") }
        var shards: [ShardFolder] = []
        for path in paths {
            let document = try ResultsDocument.read(path: (path as NSString).appendingPathComponent("results.json"))
            guard let text = document.configuration.shard else {
                throw BenchmarkError("'\(path)' is not a shard's results (it was run without --shard): merge only the folders of `run --shard`")
            }
            let shard = try Shard(parsing: text, environment: [:])
            guard document.complete else {
                throw BenchmarkError("shard \(shard) ('\(path)') is incomplete (interrupted, or a backend failed): run that shard again")
            }
            shards.append(ShardFolder(path: path, document: document, shard: shard))
        }
        let first = shards[0]
        for other in shards.dropFirst() {
            let (a, b) = (first.document.configuration, other.document.configuration)
            func differ(_ what: String, _ x: String, _ y: String) -> BenchmarkError {
                BenchmarkError("'\(first.path)' and '\(other.path)' are shards of different runs: \(what) \(x) and \(y)")
            }
            if a.scenarioDigest != b.scenarioDigest { throw differ("scenario digests", "\(a.scenario) \(a.scenarioDigest)", "\(b.scenario) \(b.scenarioDigest)") }
            if a.seed != b.seed { throw differ("seeds", "\(a.seed)", "\(b.seed)") }
            if a.scale != b.scale { throw differ("scales", "\(a.scale)", "\(b.scale)") }
            if a.mode != b.mode { throw differ("modes", a.mode.rawValue, b.mode.rawValue) }
            if other.shard.count != first.shard.count {
                throw differ("shard counts", "\(first.shard.count) (\(first.shard))", "\(other.shard.count) (\(other.shard))")
            }
        }
        var byIndex: [UInt32: ShardFolder] = [:]
        for shard in shards {
            if let earlier = byIndex[shard.shard.index] {
                throw BenchmarkError("'\(earlier.path)' and '\(shard.path)' are both shard \(shard.shard): give each shard once")
            }
            byIndex[shard.shard.index] = shard
        }
        let count = first.shard.count
        let missing = (0..<count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw BenchmarkError("shard\(missing.count > 1 ? "s" : "") \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) "
                + "missing: give the results folders of all \(count) shards")
        }
        return (0..<count).compactMap { byIndex[$0] }
    }
}

import Orchestration
import Foundation
import SurgeCore
import Workload

extension ResultsDocument {
    /// The runs of one trace made one after another (by separate commands, say interleaved with another build's), as
    /// one run whose repetitions they are, in the order given. The machine probe is the median of theirs.
    public static func pooled(_ documents: [ResultsDocument], names: [String]) throws(BenchmarkError) -> ResultsDocument {
        guard var pooled = documents.first else { throw BenchmarkError("no runs to pool") }
        pooled.backends = []
        for (document, name) in zip(documents, names) {
            guard document.configuration.traceDigest == pooled.configuration.traceDigest,
                  document.configuration.scenarioDigest == pooled.configuration.scenarioDigest else {
                throw BenchmarkError("run '\(name)' replayed another trace (\(document.configuration.traceDigest)) than '\(names[0])' "
                    + "(\(pooled.configuration.traceDigest)); runs pooled as repetitions must replay one trace")
            }
            let offset = (pooled.backends.map(\.repetition).max() ?? -1) + 1
            pooled.backends += document.backends.map { result in
                var result = result
                result.repetition += offset
                return result
            }
            pooled.complete = pooled.complete && document.complete
        }
        pooled.environment.probe = MachineProbe.median(documents.compactMap(\.environment.probe))
        return pooled
    }

    /// The run at `path`: a results folder, a results.json, or a folder of results folders (one per repetition,
    /// pooled in name order).
    public static func read(runAt path: String) throws(BenchmarkError) -> ResultsDocument {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw BenchmarkError("'\(path)' does not exist; give a results folder written by `surgebench run`")
        }
        guard isDirectory.boolValue else { return try read(path: path) }
        let file = (path as NSString).appendingPathComponent("results.json")
        if FileManager.default.fileExists(atPath: file) { return try read(path: file) }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        let folders = names.filter { FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("\($0)/results.json")) }
        guard !folders.isEmpty else {
            throw BenchmarkError("'\(path)' holds no results.json, nor folders that do; give a results folder written by `surgebench run`")
        }
        var documents: [ResultsDocument] = []
        for name in folders { documents.append(try read(path: (path as NSString).appendingPathComponent("\(name)/results.json"))) }
        return try pooled(documents, names: folders)
    }
}

import Foundation
import FuzzSupport

/// The folders whose files the results target mutates: copied once into the scratch folder from
/// `SURGEBENCH_FUZZ_SEEDS` (made by `make fuzz`: `run/` a shard's results folder of the memory backend, `capacity/`,
/// `growth/` and `crash/` published folders).
enum SeedFolders {
    /// Each file the first input byte can pick: its folder and its path under the root.
    static let files: [(folder: String, file: String)] = [
        ("run", "run/results.json"), ("run", "run/timeseries.csv"), ("run", "run/memory-all.hgrm"),
        ("run", "run/memory-replay.json"), ("capacity", "capacity/capacity.json"), ("growth", "growth/growth.json"),
        ("crash", "crash/crash.json"),
    ]

    static let root: String = {
        guard let seeds = ProcessInfo.processInfo.environment["SURGEBENCH_FUZZ_SEEDS"] else {
            fatalError("set SURGEBENCH_FUZZ_SEEDS to the seed folders (make fuzz does)")
        }
        let root = FuzzScratch.path("seeds")
        do {
            try FileManager.default.copyItem(atPath: seeds, toPath: root)
        } catch {
            fatalError("cannot copy the seed folders from \(seeds): \(error)")
        }
        for (_, file) in files where !FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent(file)) {
            fatalError("the seed folders lack \(file)")
        }
        return root
    }()
}

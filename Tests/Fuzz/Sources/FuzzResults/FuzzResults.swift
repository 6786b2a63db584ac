import Foundation
import FuzzSupport
import Harness
import Reporting
import Workload

/// The readers of results folders (`report`, `compare`, `merge`): the input's first byte picks one file of a seed
/// folder (``SeedFolders``) and the rest replaces that file's contents; the folder is then read, rendered as Markdown
/// and HTML, compared with itself and merged as a shard, as those commands would. A damaged file must be refused
/// with a message, never trap.
let fuzzResults: FuzzDriver.Input = { data, size in
    guard let data else { return 0 }
    guard size >= 1 else { return 0 }
    let target = SeedFolders.files[Int(data[0]) % SeedFolders.files.count]
    let path = (SeedFolders.root as NSString).appendingPathComponent(target.file)
    let original = FileManager.default.contents(atPath: path) ?? Data()
    defer { _ = FileManager.default.createFile(atPath: path, contents: original) }
    _ = FileManager.default.createFile(atPath: path, contents: Data(UnsafeBufferPointer(start: data + 1, count: size - 1)))

    let folder = (SeedFolders.root as NSString).appendingPathComponent(target.folder)
    guard let report = try? ResultsReport(reading: [folder]) else { return 0 }
    _ = report.markdown()
    _ = report.html()
    for run in report.runs {
        _ = try? Comparison(baseline: run.document, candidate: run.document).markdown()
        let merged = FuzzScratch.path("merged")
        _ = try? ShardMerge.merge([folder], into: merged)
        try? FileManager.default.removeItem(atPath: merged)
    }
    return 0
}

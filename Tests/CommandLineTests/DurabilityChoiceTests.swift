import Foundation
import Reporting
import SurgeCore
import Testing
import TestSupport

/// `--durability CLASS` as a user meets it: which mode each backend runs, the line for a backend left out, the warning
/// above a mixed table.
@Suite("Choosing by durability class", .serialized)
struct DurabilityChoiceTests {
    private func surgebench(_ arguments: [String], in directory: ScratchDirectory) throws -> (status: Int32, output: String) {
        try BuiltProducts.surgebench(arguments, in: directory)
    }

    private let shortRun = ["run", "--scenario", "smoke", "--duration", "2s", "--workers", "4"]

    @Test("run --durability none runs rocksdb without its WAL beside the reference and says why sqlite is left out")
    func skipsABackendWithoutAModeInTheClass() throws {
        let directory = try ScratchDirectory()
        let (status, output) = try surgebench(shortRun + ["--backends", "memory,sqlite,rocksdb", "--durability", "none", "--out", "out"],
                                              in: directory)
        #expect(status == 0, "\(output)")
        #expect(output.contains("sqlite skipped: it has no durability mode in class none (off: process, normal: process, full: power)"),
                "\(output)")
        let document = try ResultsDocument.read(path: directory.file("out/results.json"))
        #expect(document.backends.map(\.backend) == ["memory", "rocksdb"])
        #expect(document.backends.map(\.durabilityClass) == [DurabilityClass.none, DurabilityClass.none])
        #expect(document.backends[1].durability == "disable-wal")
        #expect(output.contains("| memory (reference, none) | rocksdb (none) |"), "\(output)")
    }

    @Test("a class no selected backend has is refused with each backend's line, and nothing is written")
    func refusesWhenNothingIsLeft() throws {
        let directory = try ScratchDirectory()
        let (status, output) = try surgebench(shortRun + ["--backends", "sqlite,lmdb", "--durability", "replica", "--out", "out"], in: directory)
        #expect(status != 0)
        #expect(output.contains("no backend to compare in durability class replica"), "\(output)")
        #expect(output.contains("lmdb skipped") && output.contains("--option lmdb.durability=MODE"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("out")))
    }

    @Test("by default every store runs in class power; a mode given by hand wins and the mixed table says so")
    func explicitModeMakesAMixedTable() throws {
        let directory = try ScratchDirectory()
        let (status, output) = try surgebench(shortRun + ["--backends", "sqlite,lmdb", "--option", "sqlite.durability=off", "--out", "out"],
                                              in: directory)
        #expect(status == 0, "\(output)")
        let document = try ResultsDocument.read(path: directory.file("out/results.json"))
        #expect(document.backends.map { "\($0.durability ?? "-") \($0.durabilityClass?.rawValue ?? "-")" } == ["off process", "sync power"])
        #expect(output.contains("> **Mixed durability classes:** sqlite process, lmdb power."), "\(output)")
        let summary = try String(contentsOfFile: directory.file("out/summary.md"), encoding: .utf8)
        #expect(summary.contains("**Mixed durability classes:**"))
    }
}

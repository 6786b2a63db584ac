import Foundation
import Orchestration
import Reporting
import StoreCatalog
import SurgeCore
import Testing
import TestSupport
import Workload

/// `surgebench grow`: a store grown through two sizes, measured at each, and the curve rendered.
@Suite("Growth curve", .serialized)
struct GrowthTests {
    @Test("sizes are rounded up to whole blocks, must increase, and absurd ones are refused", arguments: [
        ([1, 150_000], [100_000, 200_000] as [Int]?),
        ([100_000], [100_000]),
        ([100_000, 100_000], nil),
        ([200_000, 100_000], nil),
        ([0], nil),
        ([2_000_000_000], nil),
        ([], nil),
    ])
    func sizes(given: [Int], expected: [Int]?) {
        #expect((try? GrowthCurve.checkSizes(given)) == expected)
    }

    @Test("one store grows through two sizes; each measurement replays its own users and verifies; the curve renders")
    func growTwoSizes() throws {
        let scenario = try BuiltInScenarios.scenario(named: "smoke")
        let outcome = try GrowthCurve.measure([(try BackendCatalog.backend(named: "lmdb"), BackendOptions(["durability": "nosync"]))],
                                              configuration: .init(sizes: [100_000, 200_000], scenario: scenario, scale: 1, seed: 5, workers: 4)) { _ in }
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        let points = outcome.points
        #expect(points.map(\.messages) == [100_000, 200_000])
        for point in points {
            // Two replays into one store: distinct phone numbers, so every registration is new and verified.
            #expect(point.intact && point.errors == 0, "\(point)")
            #expect(point.loadMessagesPerSecond > 0 && point.closedLoopOpsPerSecond > 0 && point.response.count > 0)
            #expect(point.durability == "nosync", "measured with the options given, not the bulk-load ones")
        }
        let disk = points.compactMap(\.bytesOnDisk)
        #expect(disk.count == 2 && disk[1] > disk[0] && disk[0] > 100_000 * 32, "\(disk)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("surgebench-grow-lmdb-") }
        #expect(leftovers.isEmpty, "the store directory is removed: \(leftovers)")

        let document = GrowthDocument(outcome, scale: 1)
        #expect(document.options == ["lmdb": ["durability": "nosync"]] && document.scenario == scenario.name)
        let reread = try JSONDecoder().decode(GrowthDocument.self, from: Data(try document.json().utf8))
        #expect(reread == document)
        #expect(document.table.markdown().contains("| lmdb (nosync / per-op, process) | 200k |"))
        #expect(document.charts.count == 2 && document.charts.allSatisfy { $0.contains("<svg") })
        // The chart says whether the largest store approached the machine's memory.
        var small = document
        small.environment.memoryBytes = UInt64(disk[1])
        #expect(document.charts[0].contains("all sizes fit in the page cache") && small.charts[0].contains("approaches the machine"))
    }

    @Test("a backend without a store directory, and a given path=, are refused before anything is written")
    func refusals() throws {
        let scenario = try BuiltInScenarios.scenario(named: "smoke")
        let configuration = GrowthCurve.Configuration(sizes: [100_000], scenario: scenario, scale: 1, seed: 5, workers: 2)
        #expect(throws: BenchmarkError.self) {
            try GrowthCurve.run(try BackendCatalog.backend(named: "memory"), options: BackendOptions(), configuration: configuration) { _ in }
        }
        let directory = try ScratchDirectory()
        #expect(throws: BenchmarkError.self) {
            try GrowthCurve.run(try BackendCatalog.backend(named: "sqlite"), options: BackendOptions(["path": directory.path]),
                                configuration: configuration) { _ in }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}

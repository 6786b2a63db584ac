import Foundation
import Reporting
import SurgeCore
import Testing
import TestSupport

/// The whole cost of an operation as `surgebench run` records it: the servers' CPU, writes and memory beside the
/// client's, and the syncs of every store's processes, counted where the mode syncs and zero where it does not.
@Suite("The whole cost, servers and syncs included", .serialized)
struct WholeCostTests {
    private let shortRun = ["run", "--scenario", "smoke", "--duration", "2s", "--workers", "4"]

    @Test("modes that sync count about a sync per write, and the servers' CPU, writes and memory are measured")
    func syncingModes() throws {
        let directory = try ScratchDirectory()
        let (status, output) = try BuiltProducts.surgebench(shortRun + ["--backends", "sqlite,lmdb,postgres,redis-cluster", "--out", "out"],
                                                            in: directory)
        #expect(status == 0, "\(output)")
        let document = try ResultsDocument.read(path: directory.file("out/results.json"))
        for result in document.backends {
            let cost = try #require(result.cost, "\(result.backend)")
            let syncs = try #require(cost.syncs, "\(result.backend): syncs were not counted")
            // A sync per commit (lmdb: a data sync and a synchronous meta-page write), fewer where a write found nothing to do.
            #expect(Double(syncs.durable) >= 0.5 * Double(cost.acknowledgedWrites), "\(result.backend): \(syncs)")
            #expect(cost.acknowledgedWrites > 0 && cost.cpuMicrosPerOperation > 0 && cost.bytesWrittenPerOperation > 0, "\(result.backend)")
        }
        for name in ["postgres", "redis-cluster"] {
            let result = try #require(document.backends.first { $0.backend == name })
            let server = try #require(result.server, "\(name)")
            #expect((result.cost?.serverCPUMicrosPerOperation ?? 0) > 0 && (server.bytesWritten ?? 0) > 0, "\(name)")
            #expect((server.peakResidentBytes ?? 0) > 1_000_000 && server.processCount >= 3, "\(name): \(server)")
            // The client's CPU is part of the whole, not all of it.
            #expect(result.cost!.cpuMicrosPerOperation > result.cpuMicrosPerOperation, "\(name)")
            // Every phase has its own cost (a phase under a second can read no server CPU: /proc counts it in 10 ms ticks).
            #expect(result.phases.allSatisfy { $0.cost?.serverCPUMicrosPerOperation != nil }, "\(name)")
            #expect(result.phases.reduce(0) { $0 + ($1.cost?.serverCPUMicrosPerOperation ?? 0) } > 0, "\(name)")
        }
        let postgres = try #require(document.backends.first { $0.backend == "postgres" }?.server)
        #expect((postgres.reported["pg_stat_wal.wal_sync"] ?? 0) > 0 && (postgres.reported["pg_stat_database.xact_commit"] ?? 0) > 0)
        let redis = try #require(document.backends.first { $0.backend == "redis-cluster" }?.server)
        #expect((redis.reported["INFO cmdstat_fcall.calls"] ?? 0) > 0)
        #expect(output.contains("| CPU µs / op (client + server) |") && output.contains("| syncs / acknowledged write |"), "\(output)")
    }

    @Test("modes that do not sync count none, in SurgeBench's process and in the servers'")
    func modesWithoutSyncs() throws {
        let directory = try ScratchDirectory()
        let (status, output) = try BuiltProducts.surgebench(
            shortRun + ["--backends", "sqlite,lmdb,rocksdb,redis-cluster", "--durability", "none", "--option", "sqlite.durability=off",
                        "--option", "lmdb.durability=nosync", "--out", "out"], in: directory)
        #expect(status == 0, "\(output)")
        let document = try ResultsDocument.read(path: directory.file("out/results.json"))
        #expect(document.backends.count == 4)
        for result in document.backends {
            let syncs = try #require(result.cost?.syncs, "\(result.backend): syncs were not counted")
            #expect(syncs.durable == 0, "\(result.backend): \(syncs)")
            #expect(result.cost?.syncsPerAcknowledgedWrite == 0, "\(result.backend)")
        }
    }

    @Test("--no-count-syncs leaves the library out and records no syncs")
    func countingOff() throws {
        let directory = try ScratchDirectory()
        let (status, output) = try BuiltProducts.surgebench(shortRun + ["--backends", "sqlite", "--no-count-syncs", "--out", "out"], in: directory)
        #expect(status == 0, "\(output)")
        let document = try ResultsDocument.read(path: directory.file("out/results.json"))
        #expect(document.backends[0].cost != nil && document.backends[0].cost?.syncs == nil)
        #expect(!output.contains("| syncs / acknowledged write |"), "\(output)")
    }
}

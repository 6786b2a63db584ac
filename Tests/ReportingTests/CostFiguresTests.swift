import Harness
import Reporting
import SurgeCore
import Testing

/// The whole cost per operation from the counters at a window's edges: the client's and the servers' parts, syncs per
/// acknowledged write, the servers' memory and own statistics.
@Suite("Cost figures")
struct CostFiguresTests {
    private func sample(user: UInt64, system: UInt64, written: UInt64, fsyncs: UInt64?, resident: UInt64, walSyncs: Double) -> ServerSample {
        ServerSample(processes: ProcessCounters(userNanos: user, systemNanos: system, bytesWritten: written,
                                                syncs: fsyncs.map { SyncCounts(words: [$0, 0, 0, 0, 0, 7]) }),
                     residentBytes: resident, processCount: 4, reported: ["pg_stat_wal.wal_sync": walSyncs])
    }

    @Test("client and server add up per operation; syncs are per acknowledged write, sync_file_range left out")
    func wholeCost() {
        let start = sample(user: 1_000_000, system: 0, written: 4096, fsyncs: 10, resident: 50 << 20, walSyncs: 100)
        let end = sample(user: 3_000_000, system: 1_000_000, written: 4096 + 409_600, fsyncs: 60, resident: 40 << 20, walSyncs: 148)
        let middle = sample(user: 2_000_000, system: 0, written: 8192, fsyncs: 30, resident: 70 << 20, walSyncs: 120)
        let server = ServerCost(from: start, to: end, between: [middle])
        #expect(server.processes?.cpuNanos == 3_000_000 && server.processes?.syncs?.fsync == 50 && server.processes?.syncs?.syncFileRange == 0)
        #expect(server.residentBytes == 70 << 20, "the largest at any edge")
        #expect(server.reported["pg_stat_wal.wal_sync"] == 48)
        let client = ResourceUsage(cpuNanos: 1_000_000, bytesWritten: 0, syncs: .zero)
        let figures = CostFigures(client: client, server: server, operations: 100, writes: 50)
        #expect(figures.cpuMicrosPerOperation == 40 && figures.serverCPUMicrosPerOperation == 30)
        #expect(figures.bytesWrittenPerOperation == 4096 && figures.serverBytesWrittenPerOperation == 4096)
        #expect(figures.syncsPerAcknowledgedWrite == 1)
        let servers = ServerFigures(server, operations: 100)
        #expect(servers.userMicrosPerOperation == 20 && servers.systemMicrosPerOperation == 10 && servers.peakResidentBytes == 70 << 20)
    }

    @Test("syncs are unknown, not zero, for servers SurgeBench did not start or did not count")
    func unknownSyncs() {
        let client = ResourceUsage(cpuNanos: 1_000, bytesWritten: 0, syncs: .zero)
        let given = ServerCost(from: ServerSample(reported: ["x": 1]), to: ServerSample(reported: ["x": 3]))
        #expect(CostFigures(client: client, server: given, operations: 1, writes: 1).syncs == nil)
        let uncounted = ServerCost(from: sample(user: 0, system: 0, written: 0, fsyncs: nil, resident: 0, walSyncs: 0),
                                   to: sample(user: 0, system: 0, written: 0, fsyncs: nil, resident: 0, walSyncs: 0))
        #expect(CostFigures(client: client, server: uncounted, operations: 1, writes: 1).syncs == nil)
        #expect(CostFigures(client: ResourceUsage(cpuNanos: 0, bytesWritten: 0), server: nil, operations: 1, writes: 1).syncs == nil)
        #expect(CostFigures(client: client, server: nil, operations: 1, writes: 1).syncsPerAcknowledgedWrite == 0)
    }
}

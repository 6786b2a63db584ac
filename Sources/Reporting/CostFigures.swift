import Harness
import SurgeCore

/// What a replay cost per operation, the store's servers included: the figures results.json records beside the
/// latencies, for the whole schedule (``ResultsDocument/BackendResult/cost``) and for each phase.
public struct CostFigures: Sendable, Hashable, Codable {
    /// CPU time of the generator's process (with an in-process store: the store's too) and of the servers, per
    /// operation that finished.
    public var cpuMicrosPerOperation: Double
    /// Of which the servers'; nil for a store without servers SurgeBench started.
    public var serverCPUMicrosPerOperation: Double?
    /// Bytes the generator's process and the servers caused to be written to storage, per operation.
    public var bytesWrittenPerOperation: Double
    /// Of which the servers'.
    public var serverBytesWrittenPerOperation: Double?
    /// Syncs of the store's processes (this process and the servers), by call; nil when they were not counted.
    public var syncs: SyncCounts?
    /// Writes the store acknowledged.
    public var acknowledgedWrites: UInt64
    /// Durable syncs (``SyncCounts/durable``) per acknowledged write; nil when syncs were not counted.
    public var syncsPerAcknowledgedWrite: Double?
    /// Operations the figures are per.
    public var operations: UInt64

    /// The figures of `client` and `server` over `operations` operations, `writes` of them acknowledged writes.
    public init(client: ResourceUsage, server: ServerCost?, operations: UInt64, writes: UInt64) {
        let per = Double(max(operations, 1))
        let processes = server?.processes
        cpuMicrosPerOperation = Double(client.cpuNanos + (processes?.cpuNanos ?? 0)) / 1000 / per
        serverCPUMicrosPerOperation = processes.map { Double($0.cpuNanos) / 1000 / per }
        bytesWrittenPerOperation = Double(client.bytesWritten + (processes?.bytesWritten ?? 0)) / per
        serverBytesWrittenPerOperation = processes.map { Double($0.bytesWritten) / per }
        // A store on servers SurgeBench did not start is not counted: its syncs are unknown, not the client's zero.
        let serverSyncs: SyncCounts?? = server.map { $0.processes?.syncs }
        switch (client.syncs, serverSyncs) {
        case (let own?, nil): syncs = own
        case (let own?, let servers??): syncs = own + servers
        default: syncs = nil
        }
        acknowledgedWrites = writes
        syncsPerAcknowledgedWrite = syncs.map { Double($0.durable) / Double(max(writes, 1)) }
        self.operations = operations
    }
}

/// The servers' own figures over the schedule: what SurgeBench read of their processes, and what they report of
/// themselves (``ServerSample/reported``).
public struct ServerFigures: Sendable, Hashable, Codable {
    /// User and system CPU time of the servers' processes, microseconds per operation; nil for servers SurgeBench did
    /// not start.
    public var userMicrosPerOperation: Double?
    public var systemMicrosPerOperation: Double?
    /// Bytes the servers caused to be written to storage over the schedule.
    public var bytesWritten: UInt64?
    /// The servers' resident memory (sum of proportional set sizes), the largest read at the phases' edges.
    public var peakResidentBytes: UInt64?
    /// Processes counted at the end (every server, standby, replica and backend).
    public var processCount: Int
    /// How much each of the servers' own statistics grew over the schedule (PostgreSQL `pg_stat_*`, Redis `INFO`).
    public var reported: [String: Double]

    /// The figures of `cost` over `operations` operations.
    public init(_ cost: ServerCost, operations: UInt64) {
        let per = Double(max(operations, 1))
        userMicrosPerOperation = cost.processes.map { Double($0.userNanos) / 1000 / per }
        systemMicrosPerOperation = cost.processes.map { Double($0.systemNanos) / 1000 / per }
        bytesWritten = cost.processes?.bytesWritten
        peakResidentBytes = cost.residentBytes
        processCount = cost.processCount
        reported = cost.reported
    }
}

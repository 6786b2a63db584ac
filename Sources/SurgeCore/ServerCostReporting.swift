/// A store that runs on servers: what they have spent so far, read at the edges of a measured window (never polled
/// during it).
public protocol ServerCostReporting: Sendable {
    /// The servers' counters now. Called from a thread of the harness at the schedule's start, at each phase's start
    /// and at its end; must be thread-safe and take milliseconds, not seconds.
    func serverSample() -> ServerSample
}

/// The servers' cumulative counters at one instant.
public struct ServerSample: Sendable, Hashable {
    /// CPU, bytes written and syncs of the servers SurgeBench started, every process of each (standbys, replicas and
    /// their children included), read from /proc; nil for servers it did not start (`url=`, `nodes=`).
    public var processes: ProcessCounters?
    /// The servers' resident memory now, shared pages divided among the processes sharing them (the sum of their
    /// proportional set sizes); nil for servers SurgeBench did not start.
    public var residentBytes: UInt64?
    /// How many processes ``processes`` covers.
    public var processCount: Int
    /// The servers' own cumulative statistics by name, as the servers report them (PostgreSQL's `pg_stat_wal`,
    /// `pg_stat_database`, `pg_stat_bgwriter`; Redis's `INFO`), summed over the servers.
    public var reported: [String: Double]

    public init(processes: ProcessCounters? = nil, residentBytes: UInt64? = nil, processCount: Int = 0, reported: [String: Double] = [:]) {
        self.processes = processes
        self.residentBytes = residentBytes
        self.processCount = processCount
        self.reported = reported
    }
}

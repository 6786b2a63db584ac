/// What a group of processes (a server with its children, standbys and replicas) has spent since it started: CPU time,
/// bytes it caused to be written to storage, and its syncs. Cumulative; a window's cost is the difference of two readings.
public struct ProcessCounters: Sendable, Hashable, Codable {
    /// CPU time in user mode, nanoseconds.
    public var userNanos: UInt64 = 0
    /// CPU time in the kernel on the processes' behalf, nanoseconds.
    public var systemNanos: UInt64 = 0
    /// Bytes the processes caused to be sent to storage (`write_bytes` of /proc/PID/io).
    public var bytesWritten: UInt64 = 0
    /// Their syncs; nil when they ran without the sync-counting library.
    public var syncs: SyncCounts?

    public init(userNanos: UInt64 = 0, systemNanos: UInt64 = 0, bytesWritten: UInt64 = 0, syncs: SyncCounts? = nil) {
        self.userNanos = userNanos
        self.systemNanos = systemNanos
        self.bytesWritten = bytesWritten
        self.syncs = syncs
    }

    /// User and system CPU time together.
    public var cpuNanos: UInt64 { userNanos + systemNanos }

    /// What was spent since `rhs` was read (a counter that went back, as when a process was restarted, reads as 0).
    public static func - (lhs: ProcessCounters, rhs: ProcessCounters) -> ProcessCounters {
        func since(_ now: UInt64, _ before: UInt64) -> UInt64 { now >= before ? now - before : 0 }
        return ProcessCounters(
            userNanos: since(lhs.userNanos, rhs.userNanos), systemNanos: since(lhs.systemNanos, rhs.systemNanos),
            bytesWritten: since(lhs.bytesWritten, rhs.bytesWritten),
            syncs: lhs.syncs.map { now in rhs.syncs.map { now - $0 } ?? now })
    }
}

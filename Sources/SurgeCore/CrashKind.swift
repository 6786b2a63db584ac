/// How a store is crashed: the kinds of failure a durability promise speaks of.
public enum CrashKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// SIGKILL of the process that owns the data; the page cache survives.
    case process
    /// SIGKILL, then the files put back as a power cut would leave them (the power-cut model says how).
    case power
    /// SIGKILL of the primary server alone (the PostgreSQL primary, the Redis master with the most slots) while the
    /// load runs on: its standby or replica takes over, as when the primary's machine dies.
    case failover
}

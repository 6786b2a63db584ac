/// How a store is crashed: the kinds of failure a durability promise speaks of.
public enum CrashKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// SIGKILL of the process that owns the data; the page cache survives.
    case process
    /// SIGKILL, then every file put back to its last sync, as a power cut would leave it.
    case power
}

/// How a persistent backend turns writes into transactions.
public enum CommitPolicy: String, Sendable, CaseIterable, Codable {
    /// Each write is its own transaction, committed by the connection that made it.
    case perOperation = "per-op"
    /// Writes from concurrent connections are coalesced into one transaction; each caller returns once its group
    /// has committed.
    case group
}

import SurgeCore

/// A connection that writes either in transactions of its own (per-op commit) or as part of a group (group commit):
/// it supplies its store's queue and how to run one write transaction, and ``write(_:)`` dispatches.
public protocol GroupCommitting {
    /// What a write runs on: a transaction view, or the connection itself when its statements are the transaction.
    associatedtype Transaction
    /// The store's group-commit queue; nil under per-op commit.
    var groupCommit: GroupCommitQueue<Transaction>? { get }
    /// Begins a write transaction on this connection, runs `body` in it, and commits (or rolls back when it throws).
    func writeTransaction<Result>(_ body: (Transaction) throws(StoreError) -> Result) throws(StoreError) -> Result
}

extension GroupCommitting {
    /// Runs `body` as a write: its own transaction under per-op commit, part of a group under group commit (this
    /// connection then commits the group when it leads it).
    @inlinable
    public func write<Result>(_ body: (Transaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        guard let groupCommit else { return try writeTransaction(body) }
        return try groupCommit.perform(body) { group throws(StoreError) in try writeTransaction(group) }
    }
}

import SurgeCore

/// The commit policy and group-commit bounds a persistent backend was opened with.
public struct CommitSettings: Sendable, Hashable {
    public var policy: CommitPolicy
    public var groupMaxBatch: Int
    public var groupMaxWaitMicros: Int

    /// Reads `commit`, `group-max-batch` and `group-max-wait-us`.
    public init(_ options: BackendOptions) throws(StoreError) {
        policy = try options.choice(.commit, as: CommitPolicy.self)
        groupMaxBatch = try options.integer(.groupMaxBatch, in: 1...100_000)
        groupMaxWaitMicros = try options.integer(.groupMaxWaitMicros, in: 0...1_000_000)
    }

    /// The options every persistent backend shares.
    public static let options: [BackendOption] = [.commit, .groupMaxBatch, .groupMaxWaitMicros]

    /// A queue for group commit, or nil under per-operation commit.
    public func makeQueue<Transaction>(for transaction: Transaction.Type) -> GroupCommitQueue<Transaction>? {
        guard policy == .group else { return nil }
        return GroupCommitQueue(maxBatch: groupMaxBatch, maxWaitNanos: UInt64(groupMaxWaitMicros) * 1000)
    }
}

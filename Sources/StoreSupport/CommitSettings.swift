import SurgeCore

/// The commit policy and group-commit bounds a persistent backend was opened with.
public struct CommitSettings: Sendable, Hashable {
    /// Per-op or group commit.
    public var policy: CommitPolicy
    /// The most writes one group carries.
    public var groupMaxBatch: Int
    /// How long a group's leader waits for more writes.
    public var fillWait: GroupFillWait

    /// Reads `commit`, `group-max-batch` and `group-max-wait-us` ("auto" or microseconds).
    public init(_ options: BackendOptions) throws(StoreError) {
        policy = try options.choice(.commit, as: CommitPolicy.self)
        groupMaxBatch = try options.integer(.groupMaxBatch, in: 1...100_000)
        if options.string(.groupMaxWaitMicros) == "auto" {
            fillWait = .adaptive
        } else {
            let micros = try options.integer(.groupMaxWaitMicros, in: 0...1_000_000)
            fillWait = micros == 0 ? .none : .upTo(nanos: UInt64(micros) * 1000)
        }
    }

    /// The options every persistent backend shares.
    public static let options: [BackendOption] = [.commit, .groupMaxBatch, .groupMaxWaitMicros]

    /// A queue for group commit, or nil under per-operation commit.
    public func makeQueue<Transaction>(for transaction: Transaction.Type) -> GroupCommitQueue<Transaction>? {
        guard policy == .group else { return nil }
        return GroupCommitQueue(maxBatch: groupMaxBatch, fillWait: fillWait)
    }
}

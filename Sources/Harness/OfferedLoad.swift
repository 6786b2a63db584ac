import Workload

/// The load a replay offered: the scenario and the operations it scheduled, by kind and by second of intended time.
/// A plan has one; the shards of a trace add theirs up to the whole trace's.
public struct OfferedLoad: Sendable, Hashable, Codable {
    public var scenario: Scenario
    public var setupCount: Int
    /// Scheduled operations by kind.
    public var scheduledCounts: [OperationKind: Int]
    /// Scheduled operations per second of intended time.
    public var offeredPerSecond: [UInt64]

    public var scheduledCount: Int { scheduledCounts.values.reduce(0, +) }

    /// The mean of the operations scheduled per second over the whole seconds from `start` up to `end`.
    public func meanOfferedPerSecond(from start: Double, to end: Double) -> Double {
        let seconds = offeredPerSecond.indices.filter { Double($0) >= start && Double($0) < end }
        return seconds.isEmpty ? 0 : Double(seconds.reduce(0) { $0 + offeredPerSecond[$1] }) / Double(seconds.count)
    }

    /// This load and `other` (another shard of the same scenario) together.
    public func adding(_ other: OfferedLoad) -> OfferedLoad {
        var sum = self
        sum.setupCount += other.setupCount
        sum.scheduledCounts.merge(other.scheduledCounts, uniquingKeysWith: +)
        for (second, count) in other.offeredPerSecond.enumerated() where second < sum.offeredPerSecond.count {
            sum.offeredPerSecond[second] += count
        }
        return sum
    }
}

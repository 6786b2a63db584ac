/// What a store counted about itself during a run, for results: group-commit sizes, the engine's own counters, and
/// the engine settings it ran with.
public struct StoreStatistics: Sendable, Hashable, Codable {
    /// Under group commit: how many committed groups held each number of writes; nil without group commit.
    public var groupSizes: [GroupSizeCount]?
    /// The engine's own counters by name (compaction bytes, write stalls, ...), as the engine reports them.
    public var engine: [String: Double]
    /// The engine's settings that decide the numbers, as the engine names and prints them (server version,
    /// `synchronous_commit`, cache sizes, ...); nil when the store records none.
    public var settings: [String: String]?
    /// For a store behind a driver process: the round trip of one call to the null driver over the same protocol on
    /// this machine, in microseconds, with both on one core (the floor the protocol hop adds to every operation); nil
    /// otherwise.
    public var driverFloorMicros: Double?
    /// The same round trip with the null driver and its caller on two cores (a call then also wakes the other core).
    public var driverFloorCrossCoreMicros: Double?

    /// Statistics with group-commit sizes, engine counters, the engine's settings and the driver protocol's floor, each
    /// when the store has them.
    public init(groupSizes: [GroupSizeCount]? = nil, engine: [String: Double] = [:], settings: [String: String]? = nil,
                driverFloorMicros: Double? = nil, driverFloorCrossCoreMicros: Double? = nil) {
        self.groupSizes = groupSizes
        self.engine = engine
        self.settings = settings
        self.driverFloorMicros = driverFloorMicros
        self.driverFloorCrossCoreMicros = driverFloorCrossCoreMicros
    }

    /// Nothing counted.
    public static let none = StoreStatistics()

    /// The mean number of writes per committed group, when there were groups.
    public var meanGroupSize: Double? {
        guard let groupSizes else { return nil }
        let groups = groupSizes.reduce(0) { $0 + $1.groups }
        return groups == 0 ? nil : Double(groupSizes.reduce(0) { $0 + UInt64($1.size) * $1.groups }) / Double(groups)
    }
}

/// How many committed groups held `size` writes.
public struct GroupSizeCount: Sendable, Hashable, Codable {
    /// Writes in the group.
    public var size: Int
    /// How many groups had that size.
    public var groups: UInt64

    /// `groups` groups of `size` writes.
    public init(size: Int, groups: UInt64) {
        self.size = size
        self.groups = groups
    }
}

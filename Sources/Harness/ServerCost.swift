import SurgeCore

/// What a store's servers spent over a stretch of the schedule: the difference of the ``ServerSample``s at its edges.
public struct ServerCost: Sendable, Hashable, Codable {
    /// CPU, bytes written and syncs of the servers SurgeBench started; nil for servers it did not start.
    public var processes: ProcessCounters?
    /// The servers' resident memory (sum of proportional set sizes), the largest read at the stretch's edges.
    public var residentBytes: UInt64?
    /// The processes counted at the end.
    public var processCount: Int
    /// How much each of the servers' own statistics grew, by name (see ``ServerSample/reported``).
    public var reported: [String: Double]

    /// The cost between samples `start` and `end`; the memory is the largest of `start`, `end` and `between`.
    public init(from start: ServerSample, to end: ServerSample, between: [ServerSample] = []) {
        processes = end.processes.map { now in start.processes.map { now - $0 } ?? now }
        residentBytes = ([start, end] + between).compactMap(\.residentBytes).max()
        processCount = end.processCount
        reported = end.reported.reduce(into: [:]) { growth, entry in growth[entry.key] = entry.value - (start.reported[entry.key] ?? 0) }
    }
}

/// What one phase of the schedule cost, between the instants it started and the next one started (the last phase:
/// until the last operation finished), with the operations intended in it.
public struct PhaseCost: Sendable, Hashable, Codable {
    /// The generator's process (with an in-process store, the store's cost too).
    public var client: ResourceUsage
    /// The store's servers, for a store on servers.
    public var server: ServerCost?
    /// Operations of the phase that succeeded.
    public var operations: UInt64
    /// Writes of the phase the store acknowledged.
    public var acknowledgedWrites: UInt64
}

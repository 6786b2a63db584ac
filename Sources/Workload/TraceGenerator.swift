import Foundation
import SurgeCore

/// Turns a scenario and a seed into the operations of a trace, in intended-time order, streaming.
///
/// The users, chats and sessions fall into independent communities (``Scenario/communityCount``), each generated
/// from its own random stream, several at once on `threads` threads; their operations are merged by intended time
/// (then community), so the trace is the same whatever the number of threads. A ``Shard`` generates only its
/// communities: exactly the whole trace's operations of those communities.
///
/// Setup operations (the population) come first, by stage: users, then chats, then their history. Then the
/// schedule, a second of intended time at a time: memory holds the population, the sessions in flight and the
/// operations of a batch (at least 65,536, or a second's when there are more), never the trace.
public struct TraceGenerator {
    public let scenario: Scenario
    public let seed: UInt64
    public let shard: Shard
    public let threads: Int
    /// Asked between batches: once requested (Ctrl-C, SIGTERM), the generation stops with an `.interrupted` error.
    public var stop = StopSignal()

    /// Communities generated together while the population is made (bounds the setup operations held at once).
    private static let setupBatch = 64
    /// Scheduled operations handed on at once, at least (a few windows' worth at a high rate).
    private static let scheduleBatch = 65_536
    /// The slice of intended time generated at once before its operations are merged.
    private static let window: UInt64 = 1_000_000_000

    public init(scenario: Scenario, seed: UInt64, shard: Shard = .whole, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.scenario = scenario
        self.seed = seed
        self.shard = shard
        self.threads = max(1, threads)
    }

    /// Calls `emit` with every operation in order.
    public func generate(_ emit: (TraceOperation) throws -> Void) throws {
        try generateBatches { batch in
            for operation in batch.operations { try emit(operation.traceOperation(list: batch.list(of: operation))) }
        }
    }

    /// Writes every operation to `writer`, encoding its blocks on `threads` threads.
    public func write(to writer: TraceWriter) throws {
        try generateBatches { batch in try writer.append(batch, threads: threads) }
    }

    /// Calls `emit` with the operations in order, a batch at a time (a setup stage of a few communities, seconds of
    /// the schedule).
    private func generateBatches(_ emitBatch: (OperationBatch) throws -> Void) throws {
        var batch = OperationBatch()
        func emit() throws {
            if stop.isRequested { throw BenchmarkError.interrupted("the trace was not written") }
            try emitBatch(batch)
            batch.removeAll()
        }
        let count = UInt32(scenario.communityCount)
        var phaseEnds: [UInt64] = []
        for phase in scenario.phases { phaseEnds.append((phaseEnds.last ?? 0) + phase.duration.nanoseconds) }
        let zipfTables = ZipfTableCache()
        var communities = (0..<count).filter { shard.contains(community: $0) }.map {
            CommunityGenerator(scenario: scenario, seed: seed, community: $0, count: count, phaseEnds: phaseEnds, zipfTables: zipfTables)
        }
        for user in 0..<UInt32(scenario.population.users) where shard.contains(community: user % count) {
            batch.append(PlannedOperation(kind: .register, isSetup: true, isRetry: false, phase: 0, community: user % count, lane: user,
                                          intendedNanos: 0, user: user, argument: 0, chat: 0, clientMessageID: 0)) { [] }
            if batch.operations.count == 65_536 { try emit() }
        }
        try emit()
        // Each community's operations of a batch go to a buffer of its own, kept from one batch to the next; their
        // lists move into the batch as it is made.
        var buffers = [[PlannedOperation]](repeating: [], count: communities.count)
        for stage in [{ (community: inout CommunityGenerator, buffer: inout [PlannedOperation]) in buffer = community.makeChats() },
                      { $1 = $0.makeHistory() }] {
            for first in stride(from: 0, to: communities.count, by: Self.setupBatch) {
                let range = first..<min(communities.count, first + Self.setupBatch)
                inParallel(&communities, &buffers, range, stage)
                for index in range {
                    for operation in buffers[index] { batch.append(operation) { communities[index].takeList(operation.listSlot) } }
                    buffers[index] = []  // the population is handed on: hold none of it
                }
                try emit()
            }
        }
        let end = phaseEnds.last ?? 0
        var order = WindowOrder()
        for windowStart in stride(from: UInt64(0), through: end, by: Int(Self.window)) {
            let windowEnd = min(windowStart + Self.window, end + 1)
            inParallel(&communities, &buffers, communities.indices) { community, buffer in
                buffer.removeAll(keepingCapacity: true)
                community.advance(until: windowEnd, into: &buffer)
            }
            order.sort(buffers, windowStart: windowStart, windowLength: windowEnd - windowStart)
            for place in order.places {
                let operation = buffers[Int(place.buffer)][Int(place.index)]
                batch.append(operation) { communities[Int(place.buffer)].takeList(operation.listSlot) }
            }
            // Handed on once there are many blocks' worth, which the writer encodes together on every thread.
            if batch.operations.count >= Self.scheduleBatch { try emit() }
        }
        try emit()
    }

    /// `body` applied to the communities in `range` and their buffers, `threads` at a time. (Through buffer pointers, not
    /// slices: mutating an array's slice in place would copy it, and with it every array its communities hold.)
    private func inParallel(_ communities: inout [CommunityGenerator], _ buffers: inout [[PlannedOperation]], _ range: Range<Int>,
                            _ body: @escaping (inout CommunityGenerator, inout [PlannedOperation]) -> Void) {
        communities.withUnsafeMutableBufferPointer { items in
            buffers.withUnsafeMutableBufferPointer { outputs in
                guard threads > 1, range.count > 1 else {
                    for index in range { body(&items[index], &outputs[index]) }
                    return
                }
                let threadCount = min(threads, range.count)
                nonisolated(unsafe) let items = items
                nonisolated(unsafe) let outputs = outputs
                nonisolated(unsafe) let body = body
                DispatchQueue.concurrentPerform(iterations: threadCount) { thread in
                    for index in stride(from: range.lowerBound + thread, to: range.upperBound, by: threadCount) {
                        body(&items[index], &outputs[index])
                    }
                }
            }
        }
    }
}

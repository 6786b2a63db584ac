import Foundation

/// Turns a scenario and a seed into the operations of a trace, in intended-time order, streaming.
///
/// The users, chats and sessions fall into independent communities (``Scenario/communityCount``), each generated
/// from its own random stream, several at once on `threads` threads; their operations are merged by intended time
/// (then community), so the trace is the same whatever the number of threads. A ``Shard`` generates only its
/// communities: exactly the whole trace's operations of those communities.
///
/// Setup operations (the population) come first, by stage: users, then chats, then their history. Then the
/// schedule, a second of intended time at a time: memory holds the population, the sessions in flight and one
/// second of operations, never the trace.
public struct TraceGenerator {
    public let scenario: Scenario
    public let seed: UInt64
    public let shard: Shard
    public let threads: Int
    /// Asked between batches; true stops the generation with an error (Ctrl-C, SIGTERM).
    public var shouldStop: @Sendable () -> Bool = { false }

    /// Communities generated together while the population is made (bounds the setup operations held at once).
    private static let setupBatch = 64
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
        try generateBatches { operations in
            for operation in operations { try emit(operation) }
        }
    }

    /// Writes every operation to `writer`, encoding its blocks on `threads` threads.
    public func write(to writer: TraceWriter) throws {
        try generateBatches { operations in try writer.append(contentsOf: operations, threads: threads) }
    }

    /// Calls `emit` with the operations in order, a batch at a time (a setup stage of a few communities, a second of
    /// the schedule).
    private func generateBatches(_ emitBatch: ([TraceOperation]) throws -> Void) throws {
        func emit(_ operations: [TraceOperation]) throws {
            if shouldStop() { throw BenchmarkError("interrupted; the trace was not written") }
            try emitBatch(operations)
        }
        let count = UInt32(scenario.communityCount)
        var phaseEnds: [UInt64] = []
        for phase in scenario.phases { phaseEnds.append((phaseEnds.last ?? 0) + phase.duration.nanoseconds) }
        var communities = (0..<count).filter { shard.contains(community: $0) }.map {
            CommunityGenerator(scenario: scenario, seed: seed, community: $0, count: count, phaseEnds: phaseEnds)
        }
        var registrations: [TraceOperation] = []
        for user in 0..<UInt32(scenario.population.users) where shard.contains(community: user % count) {
            registrations.append(TraceOperation(kind: .register, isSetup: true, phase: 0, community: user % count, lane: user, user: user))
            if registrations.count == 65_536 {
                try emit(registrations)
                registrations.removeAll(keepingCapacity: true)
            }
        }
        try emit(registrations)
        for stage in [{ (community: inout CommunityGenerator) in community.makeChats() }, { $0.makeHistory() }] {
            for batch in stride(from: 0, to: communities.count, by: Self.setupBatch) {
                let range = batch..<min(communities.count, batch + Self.setupBatch)
                try emit(inParallel(&communities[range], stage).flatMap { $0 })
            }
        }
        let end = phaseEnds.last ?? 0
        for windowStart in stride(from: UInt64(0), through: end, by: Int(Self.window)) {
            let windowEnd = min(windowStart + Self.window, end + 1)
            let buffers = inParallel(&communities[...]) { community in
                var buffer: [TraceOperation] = []
                community.advance(until: windowEnd, into: &buffer)
                return buffer
            }
            try emit(Self.merge(buffers))
        }
    }

    /// `body` applied to every community, `threads` at a time; the results in the communities' order.
    private func inParallel(_ communities: inout ArraySlice<CommunityGenerator>,
                            _ body: @escaping (inout CommunityGenerator) -> [TraceOperation]) -> [[TraceOperation]] {
        var results = [[TraceOperation]](repeating: [], count: communities.count)
        guard threads > 1, communities.count > 1 else {
            for (offset, index) in communities.indices.enumerated() { results[offset] = body(&communities[index]) }
            return results
        }
        let threadCount = min(threads, communities.count)
        communities.withUnsafeMutableBufferPointer { items in
            results.withUnsafeMutableBufferPointer { outputs in
                nonisolated(unsafe) let items = items
                nonisolated(unsafe) let outputs = outputs
                nonisolated(unsafe) let body = body
                DispatchQueue.concurrentPerform(iterations: threadCount) { thread in
                    for index in stride(from: thread, to: items.count, by: threadCount) { outputs[index] = body(&items[index]) }
                }
            }
        }
        return results
    }

    /// The operations of every community's buffer (each in intended-time order) by intended time, then by community.
    private static func merge(_ buffers: [[TraceOperation]]) -> [TraceOperation] {
        var merged: [TraceOperation] = []
        merged.reserveCapacity(buffers.reduce(0) { $0 + $1.count })
        struct Next: Comparable {
            var time: UInt64
            var buffer: Int
            static func < (a: Next, b: Next) -> Bool { (a.time, a.buffer) < (b.time, b.buffer) }
        }
        var positions = [Int](repeating: 0, count: buffers.count)
        var heap = MinHeap<Next>()
        for (index, buffer) in buffers.enumerated() where !buffer.isEmpty { heap.push(Next(time: buffer[0].intendedNanos, buffer: index)) }
        while let next = heap.popFirst() {
            let buffer = buffers[next.buffer]
            merged.append(buffer[positions[next.buffer]])
            positions[next.buffer] += 1
            if positions[next.buffer] < buffer.count { heap.push(Next(time: buffer[positions[next.buffer]].intendedNanos, buffer: next.buffer)) }
        }
        return merged
    }
}

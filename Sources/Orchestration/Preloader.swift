import Foundation
import Harness
import SurgeCore
import Workload

/// Fills a store with history before a growth measurement, block by block. Block `b` holds 2,000 users of its own
/// (phones `+4` followed by the block and the user's number, a range no trace uses), 4,000 direct chats between them,
/// and 100,000 messages spread over those chats by popularity (Zipf, exponent 1.1, as the scenarios' chats), with
/// the body sizes of the built-in scenarios (32 to 4096 bytes, mean about 340). Everything is written through the
/// store's own operations, in closed loop on `workers` threads, each with its own connection; a block is the same
/// for a given seed whatever the worker count.
public enum Preloader {
    /// Messages in one preload block.
    public static let messagesPerBlock = 100_000
    static let usersPerBlock = 2_000
    static let chatsPerBlock = 4_000
    static let bodySizes: [(bytes: Int, weight: Double)] = [(32, 50), (128, 30), (512, 15), (4096, 5)]

    /// Writes blocks `blocks` into `store`; throws the store's first error, or `.interrupted` when `stop` is requested.
    public static func load(blocks: Range<Int>, into store: some MessageStore, workers: Int, seed: UInt64, stop: StopSignal)
        throws(BenchmarkError)
    {
        let popularity = ZipfTable(count: chatsPerBlock, exponent: 1.1)
        let bodies = bodySizes.map { size in (0..<size.bytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }
        for block in blocks {
            let users = IDs(count: usersPerBlock)
            try inParallel(usersPerBlock, workers: workers, store: store, stop: stop) { (connection, index) throws(StoreError) in
                let phone = try PhoneNumber(String(format: "+4%06d%06d", block, index))
                users[index] = try connection.register(phone: phone, displayName: "preloaded \(index)").user.rawValue
            }
            let chats = IDs(count: chatsPerBlock)
            try inParallel(chatsPerBlock, workers: workers, store: store, stop: stop) { (connection, index) throws(StoreError) in
                // Chat k joins user k mod n with its neighbour (k < n) or with the user 38 places on (k >= n).
                let first = index % usersPerBlock
                let second = (first + (index < usersPerBlock ? 1 : 38)) % usersPerBlock
                chats[index] = try connection.directChat(between: UserID(users[first]), and: UserID(users[second])).rawValue
            }
            let totalWeight = bodySizes.reduce(0) { $0 + $1.weight }
            try inParallel(messagesPerBlock, workers: workers, store: store, stop: stop) { (connection, index) throws(StoreError) in
                var random = SeededRandom(seed: seed ^ UInt64(block) << 32 ^ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
                let chat = popularity.draw(&random)
                let first = chat % usersPerBlock
                let sender = random.chance(0.5) ? first : (first + (chat < usersPerBlock ? 1 : 38)) % usersPerBlock
                var pick = random.unit() * totalWeight
                let size = bodySizes.firstIndex { pick -= $0.weight; return pick < 0 } ?? 0
                _ = try connection.send(bodies[size], to: ChatID(chats[chat]), from: UserID(users[sender]),
                                        clientMessageID: UInt64(block) << 32 | UInt64(index))
            }
        }
    }

    /// Runs `body` for every index below `count`, spread over `workers` threads with a connection each; the first
    /// error stops every thread and is thrown.
    private static func inParallel(_ count: Int, workers: Int, store: some MessageStore, stop: StopSignal,
                                   _ body: @escaping (any StoreConnection, Int) throws(StoreError) -> Void) throws(BenchmarkError) {
        let failures = FirstFailure()
        onThreads(workers) { worker in
            do throws(StoreError) {
                let connection = try store.connect()
                for index in stride(from: worker, to: count, by: workers) {
                    if failures.hasFailed || stop.isRequested { return }
                    try body(connection, index)
                }
            } catch {
                failures.record(error)
            }
        }
        if let error = failures.first { throw BenchmarkError(error) }
        if stop.isRequested { throw BenchmarkError.interrupted("the store was being preloaded") }
    }

    /// Store ids by index, written by many threads (each index by one thread, read after they all ended).
    private final class IDs: @unchecked Sendable {
        private let values: UnsafeMutableBufferPointer<UInt64>
        init(count: Int) { values = .allocate(capacity: count); values.initialize(repeating: 0) }
        deinit { values.deallocate() }
        subscript(index: Int) -> UInt64 {
            get { values[index] }
            set { values[index] = newValue }
        }
    }
}

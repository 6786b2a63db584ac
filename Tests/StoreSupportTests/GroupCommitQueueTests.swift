import Foundation
import StoreSupport
import Synchronization
import SurgeCore
import Testing
import TestSupport

/// The group-commit queue on its own, with a transaction that records what it was asked to do.
@Suite("Group commit")
struct GroupCommitQueueTests {
    /// A stand-in transaction log: what each committed group held.
    final class Log: Sendable {
        let committedGroups = Mutex<[[Int]]>([])
        let pending = Mutex<[Int]>([])
    }

    @Test("concurrent writes share transactions, each caller returns after its group commits, batches stay bounded")
    func groupsConcurrentWrites() throws {
        let queue = GroupCommitQueue<Log>(maxBatch: 4, fillWait: .upTo(nanos: 2_000_000))
        let log = Log()
        let acknowledged = Mutex<[Int]>([])
        try onThreads(12) { index in
            let value = try queue.perform({ (log: Log) throws(StoreError) -> Int in
                log.pending.withLock { $0.append(index) }
                return index * 10
            }, runTransaction: { work throws(StoreError) in
                try work(log)
                // Commit: the group's writes become visible together.
                let group = log.pending.withLock { pending in defer { pending = [] }; return pending }
                log.committedGroups.withLock { $0.append(group) }
            })
            #expect(value == index * 10)
            // By the time a caller is acknowledged, its write is in a committed group.
            #expect(log.committedGroups.withLock { $0.contains { $0.contains(index) } })
            acknowledged.withLock { $0.append(index) }
        }
        let groups = log.committedGroups.withLock { $0 }
        #expect(groups.flatMap { $0 }.sorted() == Array(0..<12))
        #expect(groups.allSatisfy { $0.count <= 4 })
        #expect(groups.count < 12, "with a 2 ms wait some writes must have shared a group: \(groups)")
        #expect(acknowledged.withLock { $0.count } == 12)
        #expect(queue.committedCounts.writes == 12)
    }

    @Test("a request error fails only its caller; a fatal error fails the whole group")
    func errorsInGroups() throws {
        let queue = GroupCommitQueue<Log>(maxBatch: 64, fillWait: .none)
        let log = Log()
        let commit: ((Log) throws(StoreError) -> Void) throws(StoreError) -> Void = { work throws(StoreError) in try work(log) }
        #expect(throws: StoreError.self) {
            try queue.perform({ (_: Log) throws(StoreError) -> Int in throw StoreError(.notAMember, "no") }, runTransaction: commit)
        }
        #expect(try queue.perform({ (_: Log) throws(StoreError) -> Int in 5 }, runTransaction: commit) == 5)
        #expect(queue.committedCounts == (groups: 2, writes: 2))

        let failing: ((Log) throws(StoreError) -> Void) throws(StoreError) -> Void = { work throws(StoreError) in
            try work(log)
            throw StoreError(.storeFull, "disk full at commit")
        }
        let error = expectStoreError(.storeFull) {
            try queue.perform({ (_: Log) throws(StoreError) -> Int in 1 }, runTransaction: failing)
        }
        #expect(error?.message == "disk full at commit")
        #expect(queue.committedCounts == (groups: 2, writes: 2))
    }

    @Test("the adaptive wait never holds a lone writer, groups writers that return together, and counts every group")
    func adaptiveGroups() throws {
        let queue = GroupCommitQueue<Log>(maxBatch: 64, fillWait: .adaptive)
        let log = Log()
        let commit: @Sendable ((Log) throws(StoreError) -> Void) throws(StoreError) -> Void = { work throws(StoreError) in
            try work(log)
            usleep(300)  // a sync
        }
        for value in 0..<20 { _ = try queue.perform({ (_: Log) throws(StoreError) -> Int in value }, runTransaction: commit) }
        #expect(queue.groupSizes == [GroupSizeCount(size: 1, groups: 20)])

        try onThreads(8) { _ in
            for value in 0..<50 { _ = try queue.perform({ (_: Log) throws(StoreError) -> Int in value }, runTransaction: commit) }
        }
        let concurrent = queue.groupSizes.map { GroupSizeCount(size: $0.size, groups: $0.groups - ($0.size == 1 ? 20 : 0)) }
        let groups = concurrent.reduce(0) { $0 + $1.groups }
        #expect(concurrent.reduce(0) { $0 + UInt64($1.size) * $1.groups } == 400)
        #expect(Double(400) / Double(groups) > 3, "8 writers with 300 µs commits should share groups: \(concurrent)")
    }
}

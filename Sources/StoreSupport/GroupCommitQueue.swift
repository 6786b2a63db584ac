import Foundation
import SurgeCore

/// Coalesces writes from concurrent connections into shared transactions, as LevelDB's write queue does.
///
/// Each caller queues its write and blocks. A caller that finds no group in progress becomes the leader: it takes up
/// to `maxBatch` queued writes (after waiting up to `maxWaitNanos` for more to arrive), runs them all in one
/// transaction on its own connection, commits once, and wakes their callers. Writes that arrive meanwhile form the
/// next group. A caller returns only after the transaction holding its write has committed, so an acknowledged write
/// is as durable as the store's durability mode makes a commit.
///
/// A write that fails with a request error (``StoreError/isRequestError``) must not have changed anything; its
/// caller gets the error and the rest of the group commits. Any other error aborts the whole group and every caller
/// in it gets that error.
public final class GroupCommitQueue<Transaction>: @unchecked Sendable {
    /// The largest number of writes in one group.
    public let maxBatch: Int
    /// How long a leader waits for its group to fill, in nanoseconds (0: not at all).
    public let maxWaitNanos: UInt64

    private final class Request {
        /// Runs the write; returns the error that must abort the whole group, if any.
        let work: (Transaction) -> StoreError?
        var groupFailure: StoreError?
        var isDone = false
        init(work: @escaping (Transaction) -> StoreError?) { self.work = work }
    }

    // All below are guarded by `condition`.
    private let condition = NSCondition()
    private var queued: [Request] = []
    private var groupInProgress = false
    private var groupsCommitted: UInt64 = 0
    private var writesCommitted: UInt64 = 0

    public init(maxBatch: Int, maxWaitNanos: UInt64) {
        precondition(maxBatch >= 1, "a group holds at least one write")
        self.maxBatch = maxBatch
        self.maxWaitNanos = maxWaitNanos
    }

    /// Groups and writes committed so far; their ratio is the mean group size.
    public var committedCounts: (groups: UInt64, writes: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        return (groupsCommitted, writesCommitted)
    }

    /// Runs `body` inside a group transaction and returns its result once the group has committed.
    ///
    /// - Parameter runTransaction: begins a write transaction on the caller's connection, calls its argument with it,
    ///   and commits (or rolls back when its argument throws). Used only when this caller becomes a group's leader.
    public func perform<Result>(
        _ body: (Transaction) throws(StoreError) -> Result,
        runTransaction: ((Transaction) throws(StoreError) -> Void) throws(StoreError) -> Void
    ) throws(StoreError) -> Result {
        var outcome: Swift.Result<Result, StoreError>?
        let failure: StoreError? = withoutActuallyEscaping(body) { body in
            let request = Request { transaction in
                do throws(StoreError) {
                    outcome = .success(try body(transaction))
                    return nil
                } catch {
                    outcome = .failure(error)
                    return error.isRequestError ? nil : error
                }
            }
            enqueueAndWait(request, runTransaction: runTransaction)
            return request.groupFailure
        }
        if let failure { throw failure }
        guard let outcome else { preconditionFailure("a committed group ran every write in it") }
        return try outcome.get()
    }

    private func enqueueAndWait(
        _ request: Request,
        runTransaction: ((Transaction) throws(StoreError) -> Void) throws(StoreError) -> Void
    ) {
        condition.lock()
        queued.append(request)
        condition.broadcast()  // a leader may be waiting for its group to fill
        while !request.isDone {
            if groupInProgress {
                condition.wait()
                continue
            }
            groupInProgress = true
            let batch = takeBatchLocked()
            condition.unlock()

            var groupFailure: StoreError?
            do throws(StoreError) {
                try runTransaction { transaction throws(StoreError) in
                    for member in batch {
                        if let fatal = member.work(transaction) { throw fatal }
                    }
                }
            } catch {
                groupFailure = error
            }

            condition.lock()
            for member in batch {
                member.groupFailure = groupFailure
                member.isDone = true
            }
            if groupFailure == nil {
                groupsCommitted += 1
                writesCommitted += UInt64(batch.count)
            }
            groupInProgress = false
            condition.broadcast()
        }
        condition.unlock()
    }

    /// Waits (lock held) up to `maxWaitNanos` for a full group, then removes and returns the oldest writes.
    private func takeBatchLocked() -> ArraySlice<Request> {
        if maxWaitNanos > 0, queued.count < maxBatch {
            let deadline = Date(timeIntervalSinceNow: Double(maxWaitNanos) / 1e9)
            while queued.count < maxBatch, condition.wait(until: deadline) {}
        }
        let count = min(maxBatch, queued.count)
        let batch = queued[..<count]
        queued.removeFirst(count)
        return batch
    }
}

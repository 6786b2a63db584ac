import Dispatch
import Foundation
import SurgeCore
import Synchronization

/// Coalesces writes from concurrent connections into shared transactions, as LevelDB's write queue does.
///
/// Each caller queues its write and blocks. A caller that finds no group in progress becomes the leader: it takes up
/// to `maxBatch` queued writes (after waiting, as ``GroupFillWait`` says, for more to arrive), runs them all in one
/// transaction on its own connection, commits once, and wakes their callers. Writes that arrive meanwhile form the
/// next group.
///
/// Why the leader waits by default: when a group commits, its callers return together, and the first of them to write
/// again finds no group in progress. Without waiting it would commit alone while the others queue behind it, so
/// groups alternate between one write and the rest, and a sync is shared by half as many writes as it could be. A caller returns only after the transaction holding its write has committed, so an acknowledged write
/// is as durable as the store's durability mode makes a commit.
///
/// A write that fails with a request error (``StoreError/isRequestError``) must not have changed anything; its
/// caller gets the error and the rest of the group commits. Any other error aborts the whole group and every caller
/// in it gets that error.
public final class GroupCommitQueue<Transaction>: @unchecked Sendable {
    /// The largest number of writes in one group.
    public let maxBatch: Int
    /// How long a group's leader waits for more writes before it commits.
    public let fillWait: GroupFillWait

    private final class Request: @unchecked Sendable {
        /// Runs the write; returns the error that must abort the whole group, if any. Dropped once the group is
        /// over, before the caller is woken: it holds the caller's non-escaping closure.
        var work: ((Transaction) -> StoreError?)?
        /// Signalled once: when the request's group has committed, or when its caller is to lead the next group.
        let wake = DispatchSemaphore(value: 0)
        // Guarded by the queue's lock until `wake` is signalled.
        var groupFailure: StoreError?
        var isDone = false
        init(work: @escaping (Transaction) -> StoreError?) { self.work = work }
    }

    private struct State {
        var queued: [Request] = []
        var groupInProgress = false
        /// Set while a leader waits for its group to fill, to this many queued writes; the write that reaches it
        /// clears it and signals `fill`.
        var fillTarget: Int?
        var previousGroupSize = 1
        var previousCommitNanos: UInt64 = 0
        /// Committed groups by size (index: writes in the group).
        var groupsBySize: [UInt64] = []
    }

    // Every waiter has its own semaphore, so a commit wakes exactly the callers it acknowledges and the next leader:
    // no thundering herd of threads that only go back to sleep (which on a few cores costs more than the writes).
    private let state = Mutex(State())
    private let fill = DispatchSemaphore(value: 0)

    /// A queue whose groups carry at most `maxBatch` writes, their leaders waiting as `fillWait` says.
    public init(maxBatch: Int, fillWait: GroupFillWait) {
        precondition(maxBatch >= 1, "a group holds at least one write")
        self.maxBatch = maxBatch
        self.fillWait = fillWait
    }

    /// Groups and writes committed so far; their ratio is the mean group size.
    public var committedCounts: (groups: UInt64, writes: UInt64) {
        let sizes = groupSizes
        return (sizes.reduce(0) { $0 + $1.groups }, sizes.reduce(0) { $0 + UInt64($1.size) * $1.groups })
    }

    /// How many committed groups held each number of writes, smallest first (sizes no group had are left out).
    public var groupSizes: [GroupSizeCount] {
        state.withLock { state in
            state.groupsBySize.enumerated().filter { $0.element > 0 }.map { GroupSizeCount(size: $0.offset, groups: $0.element) }
        }
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
        let leads = state.withLock { state in
            state.queued.append(request)
            if let target = state.fillTarget, state.queued.count >= target {
                state.fillTarget = nil
                fill.signal()
            }
            guard !state.groupInProgress else { return false }
            state.groupInProgress = true
            return true
        }
        if !leads {
            request.wake.wait()
            if state.withLock({ _ in request.isDone }) { return }
        }
        lead(runTransaction: runTransaction)
    }

    /// Runs one group as its leader: waits for it to fill, commits it, wakes its callers and hands over to the next
    /// leader. The leader's own request is the oldest queued, so it is in the group.
    private func lead(runTransaction: ((Transaction) throws(StoreError) -> Void) throws(StoreError) -> Void) {
        let batch = takeBatch()
        var groupFailure: StoreError?
        let started = MonotonicClock.now()
        do throws(StoreError) {
            try runTransaction { transaction throws(StoreError) in
                for member in batch {
                    if let fatal = member.work?(transaction) { throw fatal }
                }
            }
        } catch {
            groupFailure = error
        }
        let elapsed = MonotonicClock.now() - started
        let nextLeader = state.withLock { state -> Request? in
            for member in batch {
                member.work = nil
                member.groupFailure = groupFailure
                member.isDone = true
            }
            if groupFailure == nil {
                if state.groupsBySize.count <= batch.count {
                    state.groupsBySize += [UInt64](repeating: 0, count: batch.count + 1 - state.groupsBySize.count)
                }
                state.groupsBySize[batch.count] += 1
            }
            state.previousGroupSize = batch.count
            state.previousCommitNanos = elapsed
            guard let next = state.queued.first else {
                state.groupInProgress = false
                return nil
            }
            return next
        }
        for member in batch { member.wake.signal() }  // the leader's own signal is never waited for: harmless
        nextLeader?.wake.signal()
    }

    /// Waits as `fillWait` says, then removes and returns the oldest writes.
    private func takeBatch() -> ArraySlice<Request> {
        let waitNanos: UInt64? = state.withLock { state in
            let (target, nanos): (Int, UInt64) = switch fillWait {
            case .none: (0, 0)
            case .upTo(let nanos): (maxBatch, nanos)
            case .adaptive: (min(maxBatch, state.previousGroupSize), min(state.previousCommitNanos, 10_000_000))
            }
            guard nanos > 0, state.queued.count < target else { return nil }
            state.fillTarget = target
            return nanos
        }
        if let waitNanos, fill.wait(timeout: .now() + .nanoseconds(Int(waitNanos))) == .timedOut {
            // A write may have reached the target just as the wait ended: then its signal is owed, and taken here so
            // that it cannot cut the next wait short.
            let signalled = state.withLock { state in
                defer { state.fillTarget = nil }
                return state.fillTarget == nil
            }
            if signalled { fill.wait() }
        }
        return state.withLock { state in
            let count = min(maxBatch, state.queued.count)
            let batch = state.queued[..<count]
            state.queued.removeFirst(count)
            return batch
        }
    }
}

/// How long a group-commit leader waits for its group to fill.
public enum GroupFillWait: Sendable, Hashable {
    /// Commit what has queued.
    case none
    /// Wait up to this long for a full group (`maxBatch` writes).
    case upTo(nanos: UInt64)
    /// Wait for as many writes as the previous group held (its callers are likely writing again), at most as long as
    /// the previous commit took: a lone writer never waits, and a wait costs at most about one commit.
    case adaptive
}

import Histogram
import Workload

/// Everything one worker measures, in structures allocated before the run: recording an operation allocates nothing
/// and takes a lock once per batch of measured operations (the latency histograms the workers share). Merged with
/// the other workers' after the run.
final class WorkerRecorder {
    typealias LatencyHistogram = Histogram<UInt32>

    /// A message the store acknowledged (a resend the store stored anew, for the integrity check).
    struct MessageAck {
        var chat: UInt32
        var sequence: UInt64
        var sender: UInt64
    }

    /// A send or mark-read that failed with an error that leaves its outcome unknown (a connection lost after the
    /// request went out, a replica that did not confirm): the store may or may not have applied it.
    struct InDoubt {
        var kind: OperationKind
        var chat: UInt32
        /// The sender (store id) of a send; the reader (trace id) of a mark-read.
        var user: UInt64
    }

    static let kindCount = OperationKind.allCases.count
    static let categoryCount = ErrorCategory.allCases.count

    /// Response and service time by phase * kindCount + kind (shared by the workers of a replay); nil where the trace
    /// has no such operation.
    var latencies: SlotHistograms
    var response: [LatencyHistogram?] { latencies.response }
    var service: [LatencyHistogram?] { latencies.service }
    /// Measured operations not yet added to `latencies`.
    private var pendingLatencies: [SlotHistograms.Sample] = []
    private static let latencyBatch = 512
    /// Per second of intended time: response times (2 significant digits), late starts, and errors by
    /// second * categoryCount + category.
    var secondResponses: SecondHistograms
    /// The second the worker is in and its response times, added to `secondResponses` when the worker moves on.
    private var currentSecond = 0
    private var currentSecondResponse = WorkerRecorder.makeHistogram(digits: .two)
    var seconds: Int { secondLate.count }
    var secondLate: [UInt64]
    var secondErrors: [UInt64]
    /// Per second of completion time: operations finished.
    var secondCompleted: [UInt64]
    /// Errors by kind * categoryCount + category (measured and unmeasured alike: no error is hidden).
    var errors: [UInt64]
    /// How late a worker woke for an operation it had been waiting for (the harness's own schedule keeping).
    var wakeLag: LatencyHistogram
    var harnessNanos: UInt64 = 0
    var harnessSamples: UInt64 = 0
    var completed: UInt64 = 0
    /// Operations that succeeded, by phase and kind (slot = phase × kinds + kind), over the whole schedule.
    var succeeded: [UInt64]
    var inDoubt: [InDoubt] = []
    /// Resends of acknowledged messages that the store stored anew instead of finding the original: it had lost it.
    var forgottenSends: [MessageAck] = []
    let live = LiveCounters()

    static func makeHistogram(digits: SignificantDigits = .three) -> LatencyHistogram {
        // 1 µs to 1 h in nanoseconds.
        LatencyHistogram(lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: digits)
    }

    /// A recorder of `phaseCount` phases and `seconds` seconds, adding its operations' times to `latencies` and its
    /// seconds' response times to `secondResponses` (each shared by the workers of a replay; its own when nil).
    init(phaseCount: Int, seconds: Int, presentSlots: Set<Int>, latencies: SlotHistograms? = nil, secondResponses: SecondHistograms? = nil) {
        self.latencies = latencies ?? SlotHistograms(count: phaseCount * Self.kindCount, present: presentSlots)
        self.secondResponses = secondResponses ?? SecondHistograms(seconds: seconds)
        pendingLatencies.reserveCapacity(Self.latencyBatch)
        secondLate = [UInt64](repeating: 0, count: seconds)
        secondErrors = [UInt64](repeating: 0, count: seconds * Self.categoryCount)
        secondCompleted = [UInt64](repeating: 0, count: seconds * 4 + 60)  // completions may trail the schedule
        errors = [UInt64](repeating: 0, count: Self.kindCount * Self.categoryCount)
        succeeded = [UInt64](repeating: 0, count: phaseCount * Self.kindCount)
        wakeLag = Self.makeHistogram()
    }

    /// Records one finished operation: its histograms, its seconds, the live counters. The harness's whole
    /// per-operation bookkeeping; allocates nothing.
    @inline(__always)
    func recordCompletion(
        _ operation: TraceOperation, failure: ErrorCategory?, responseNanos: UInt64, serviceNanos: UInt64, late: Bool, measured: Bool,
        second: Int, completedSecond: Int
    ) {
        let slot = UInt32(operation.phase) * UInt32(Self.kindCount) + UInt32(operation.kind.rawValue)
        if let failure {
            recordError(failure, kind: operation.kind, second: second)
        } else {
            if slot < succeeded.count { succeeded[Int(slot)] += 1 }
            if measured {
                pendingLatencies.append(SlotHistograms.Sample(slot: slot, responseNanos: responseNanos, serviceNanos: serviceNanos))
                if pendingLatencies.count == Self.latencyBatch { flushLatencies() }
            }
        }
        if second != currentSecond { finishSecond(next: second) }
        currentSecondResponse.recordClamped(responseNanos)
        if late {
            secondLate[second] += 1
            live.late.add(1, ordering: .relaxed)
        }
        if completedSecond < secondCompleted.count { secondCompleted[completedSecond] += 1 }
        completed += 1
        live.record(kind: operation.kind.rawValue, failed: failure != nil, responseNanos: responseNanos)
    }

    /// Adds what this worker still holds to the shared histograms: call when it has finished.
    func finish() {
        flushLatencies()
        finishSecond()
    }

    private func flushLatencies() {
        latencies.record(pendingLatencies)
        pendingLatencies.removeAll(keepingCapacity: true)
    }

    /// Adds the current second's response times to the shared ones and moves to second `next`.
    func finishSecond(next: Int = 0) {
        secondResponses.add(currentSecondResponse, second: currentSecond)
        currentSecondResponse.reset()
        currentSecond = next
    }

    @inline(__always)
    func recordError(_ category: ErrorCategory, kind: OperationKind, second: Int) {
        errors[Int(kind.rawValue) * Self.categoryCount + category.index] += 1
        if second >= 0, second < secondLate.count { secondErrors[second * Self.categoryCount + category.index] += 1 }
        live.errors.add(1, ordering: .relaxed)
    }

    /// Errors by operation kind and category, without zeros.
    func errorCounts() -> [OperationKind: [ErrorCategory: UInt64]] {
        var result: [OperationKind: [ErrorCategory: UInt64]] = [:]
        for kind in OperationKind.allCases {
            for category in ErrorCategory.allCases {
                let count = errors[Int(kind.rawValue) * Self.categoryCount + category.index]
                if count > 0 { result[kind, default: [:]][category] = count }
            }
        }
        return result
    }
}

extension Histogram {
    /// Records `value`, clamped into the trackable range (a 2-hour stall still counts, as 1 hour).
    @inline(__always)
    mutating func recordClamped(_ value: UInt64) {
        _ = record(Swift.min(value, highestTrackableValue))
    }
}

import SurgeCore
import Workload

/// The harness's own per-operation work without a store: read the clock around an operation and record it exactly as
/// a replay worker does. For micro-benchmarks of the harness's overhead.
public final class RecordingProbe {
    private let recorder: WorkerRecorder
    private let operation = TraceOperation(kind: .send)
    private let startNanos = MonotonicClock.now()

    public init() {
        recorder = WorkerRecorder(phaseCount: 1, seconds: 60, presentSlots: [Int(OperationKind.send.rawValue)])
    }

    /// Times an empty operation and records it; returns the response time recorded.
    @inline(never)
    public func recordOne() -> UInt64 {
        let start = MonotonicClock.now()
        let end = MonotonicClock.now()
        let second = Int((start - startNanos) / 1_000_000_000) % 60
        recorder.recordCompletion(operation, failure: nil, responseNanos: end - start, serviceNanos: end - start, late: false,
                                  measured: true, second: second, completedSecond: second)
        return end - start
    }

    /// Operations recorded so far.
    public var recorded: UInt64 { recorder.completed }
}

import SurgeCore
import Workload

/// One worker's share of a plan, read from the trace file as the replay reaches it: the operations of the plan's
/// shard on the lanes with `lane % workers == worker`, in trace order. Holds one block of the trace in memory.
final class OperationStream {
    private let reader: TraceReader
    private let plan: ReplayPlan
    private let worker: UInt32
    private let workers: UInt32
    private var lookahead: TraceOperation?
    /// Why reading stopped early (the file changed or vanished under the replay); nil while all is well.
    private(set) var failure: String?

    init(plan: ReplayPlan, worker: Int, workers: Int) throws(BenchmarkError) {
        reader = try TraceReader(path: plan.path)
        self.plan = plan
        self.worker = UInt32(worker)
        self.workers = UInt32(workers)
    }

    /// The next operation of setup stage `stage`; nil once the next one belongs to a later stage or the schedule.
    func nextSetup(stage: UInt8) -> TraceOperation? {
        guard let operation = peek(), operation.isSetup, operation.phase == stage else { return nil }
        lookahead = nil
        return operation
    }

    /// The next scheduled operation (setup operations not yet read are skipped); nil at the end.
    func nextScheduled() -> TraceOperation? {
        while let operation = peek() {
            lookahead = nil
            if !operation.isSetup { return operation }
        }
        return nil
    }

    private func peek() -> TraceOperation? {
        if let lookahead { return lookahead }
        do throws(BenchmarkError) {
            while let operation = try reader.next() {
                guard operation.lane % workers == worker, plan.shard.contains(community: operation.community) else { continue }
                lookahead = operation
                return operation
            }
        } catch {
            failure = error.message
        }
        return nil
    }
}

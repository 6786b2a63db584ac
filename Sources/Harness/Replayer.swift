import Foundation
import Glibc
import Histogram
import SurgeCore
import Synchronization
import Workload

/// Replays a plan against a store: the setup stages closed loop, then the schedule on `workers` threads, each with
/// its own connection, then the integrity check.
public enum Replayer {
    /// Runs the whole replay. Throws only when the store cannot be used at all (no connection, a failed setup);
    /// operation errors are counted, never thrown.
    public static func run<Store: MessageStore>(_ store: Store, plan: ReplayPlan, options: ReplayOptions) throws(StoreError) -> ReplayResult {
        let workers = max(1, options.workers)
        var connections: [Store.Connection] = []
        for _ in 0..<workers { connections.append(try store.connect()) }
        let users = IdentifierTable(count: plan.userCount)
        let chats = IdentifierTable(count: plan.chatCount)
        let setupRecorders = (0..<workers).map { _ in
            WorkerRecorder(phaseCount: 1, seconds: 1, presentSlots: [], expectedSends: plan.setupCount / workers + 1, expectedReads: 0)
        }
        let setupStart = MonotonicClock.now()
        for stage in plan.setupStages {
            try runSetupStage(stage, plan: plan, connections: connections, users: users, chats: chats, recorders: setupRecorders,
                              acknowledgements: options.acknowledgements)
        }
        let setupNanos = MonotonicClock.now() - setupStart

        let schedule = Schedule(plan: plan, workers: workers)
        let recorders = (0..<workers).map { worker in
            WorkerRecorder(phaseCount: plan.scenario.phases.count, seconds: plan.offeredPerSecond.count,
                           presentSlots: schedule.presentSlots, expectedSends: schedule.sendCounts[worker],
                           expectedReads: schedule.readCounts[worker])
        }
        let usageBefore = ResourceUsage.current()
        let startNanos = MonotonicClock.now() + 50_000_000  // every worker is waiting before the clock starts
        options.acknowledgements?.note(.scheduleStarted, .register, sequence: startNanos)
        let monitor = ProgressMonitor(plan: plan, recorders: recorders, startNanos: startNanos, options: options)
        monitor.start()
        let faults = FaultThread(options: options, startNanos: startNanos)
        let engine = EngineSampler(options: options, startNanos: startNanos, seconds: plan.offeredPerSecond.count)
        onThreads(workers) { worker in
            var runner = OperationRunner(connection: connections[worker], plan: plan, users: users, chats: chats, acknowledgements: options.acknowledgements)
            replay(schedule.operations[worker], runner: &runner, recorder: recorders[worker], startNanos: startNanos, plan: plan, options: options)
        }
        let endNanos = MonotonicClock.now()
        let engineSeries = engine.finish()
        let faultsMade = faults.finish()
        if !faultsMade.isEmpty { options.faultSettler?() }
        monitor.stop()
        let usageAfter = ResourceUsage.current()
        let interrupted = replayInterruption.load(ordering: .relaxed)

        let acks = (setupRecorders + recorders).flatMap(\.messageAcks)
        let reads = recorders.flatMap(\.readAcks)
        let inDoubt = (setupRecorders + recorders).flatMap(\.inDoubt)
        // A store that cannot be read back keeps the run's measurements; it fails the integrity check instead.
        let integrity: IntegrityReport
        do throws(StoreError) {
            integrity = try IntegrityCheck.verify(
                connection: connections[0], plan: plan, users: users, chats: chats, messageAcks: acks, readAcks: reads,
                inDoubt: inDoubt, forgottenSends: (setupRecorders + recorders).flatMap(\.forgottenSends))
        } catch {
            integrity = IntegrityReport(unverifiable: error.message)
        }
        let result = ReplayResult(
            plan: plan, options: options, recorders: recorders, setupRecorders: setupRecorders, setupNanos: setupNanos,
            wallNanos: endNanos - startNanos, usage: usageAfter - usageBefore, interrupted: interrupted, integrity: integrity)
        result.recordFaults(faultsMade)
        result.engineSeries = engineSeries
        return result
    }

    /// One setup stage, closed loop, lanes spread over the workers; any failure stops the run.
    private static func runSetupStage<Connection: StoreConnection>(
        _ stage: [TraceOperation], plan: ReplayPlan, connections: [Connection], users: IdentifierTable, chats: IdentifierTable,
        recorders: [WorkerRecorder], acknowledgements: AcknowledgementLog?
    ) throws(StoreError) {
        let workers = connections.count
        let failures = FirstFailure()
        onThreads(workers) { worker in
            var runner = OperationRunner(connection: connections[worker], plan: plan, users: users, chats: chats, acknowledgements: acknowledgements)
            for operation in stage where Int(operation.lane) % workers == worker {
                if failures.hasFailed || replayInterruption.load(ordering: .relaxed) { return }
                do throws(StoreError) {
                    if let category = try runner.perform(operation, listIndex: -1, recorder: recorders[worker]) {
                        failures.record(StoreError(.engine, "a setup \(operation.kind) came back as \(category.rawValue)"))
                    }
                } catch {
                    failures.record(error)
                }
            }
        }
        if let failure = failures.first {
            throw StoreError(failure.kind, "building the starting population failed: \(failure.message)", engineCode: failure.engineCode)
        }
        if replayInterruption.load(ordering: .relaxed) {
            throw StoreError(.engine, "interrupted while building the starting population; nothing was measured")
        }
    }

    /// One worker's share of the schedule. Nothing here locks or allocates per operation.
    private static func replay<Connection: StoreConnection>(
        _ indices: [Int32], runner: inout OperationRunner<Connection>, recorder: WorkerRecorder, startNanos: UInt64,
        plan: ReplayPlan, options: ReplayOptions
    ) {
        let open = options.mode == .open
        let phases = plan.scenario.phases.count
        let measuredFrom = plan.scenario.warmup.nanoseconds
        let measuredUntil = plan.scenario.duration.nanoseconds - plan.scenario.cooldown.nanoseconds
        let seconds = recorder.secondResponse.count
        let stretch = options.serviceStretchForTesting
        MonotonicClock.sleep(until: startNanos)
        var previousEnd = MonotonicClock.now()
        plan.scheduled.withUnsafeBufferPointer { scheduled in
            for index in indices {
                if replayInterruption.load(ordering: .relaxed) { return }
                let operation = scheduled[Int(index)]
                let intended = startNanos + operation.intendedNanos
                var start = MonotonicClock.now()
                var waited = false
                if open, start < intended {
                    MonotonicClock.sleep(until: intended)
                    start = MonotonicClock.now()
                    recorder.wakeLag.recordClamped(start - intended)
                    waited = true
                } else {
                    recorder.harnessNanos += start - previousEnd
                }
                let second = min(seconds - 1, Int(operation.intendedNanos / 1_000_000_000))
                let failure = runner.execute(operation, listIndex: plan.listIndex[Int(index)], recorder: recorder)
                var end = MonotonicClock.now()
                if stretch > 0 {
                    let until = end + UInt64(Double(end - start) * stretch)
                    while end < until { end = MonotonicClock.now() }
                }

                recorder.recordCompletion(
                    operation, failure: failure, responseNanos: end - (open ? min(intended, start) : start), serviceNanos: end - start,
                    late: open && !waited && start > intended + options.lateStartNanos, measured: operation.intendedNanos >= measuredFrom
                        && operation.intendedNanos < measuredUntil && Int(operation.phase) < phases,
                    second: second, completedSecond: Int((end - startNanos) / 1_000_000_000))
                previousEnd = MonotonicClock.now()
                recorder.harnessNanos += previousEnd - end
                recorder.harnessSamples += 1
            }
        }
    }
}

/// Which worker runs which scheduled operations: all of a lane on one worker, in intended-time order.
struct Schedule {
    var operations: [[Int32]]
    var sendCounts: [Int]
    var readCounts: [Int]
    /// Phase * kinds + kind slots the trace uses.
    var presentSlots: Set<Int>

    init(plan: ReplayPlan, workers: Int) {
        operations = Array(repeating: [], count: workers)
        sendCounts = Array(repeating: 0, count: workers)
        readCounts = Array(repeating: 0, count: workers)
        presentSlots = []
        for (index, operation) in plan.scheduled.enumerated() {
            let worker = Int(operation.lane) % workers
            operations[worker].append(Int32(index))
            if operation.kind == .send { sendCounts[worker] += 1 }
            if operation.kind == .markRead { readCounts[worker] += 1 }
            presentSlots.insert(Int(operation.phase) * WorkerRecorder.kindCount + Int(operation.kind.rawValue))
        }
    }
}

/// The first error any thread reported.
public final class FirstFailure: Sendable {
    private let error = Mutex<StoreError?>(nil)

    public init() {}

    public var first: StoreError? { error.withLock { $0 } }
    public var hasFailed: Bool { first != nil }

    public func record(_ error: StoreError) {
        self.error.withLock { if $0 == nil { $0 = error } }
    }
}

/// Runs `body(index)` on `count` new threads (never Swift's cooperative pool) and waits for all of them.
public func onThreads(_ count: Int, _ body: @escaping (Int) -> Void) {
    let group = DispatchGroup()
    nonisolated(unsafe) let body = body
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            body(index)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}

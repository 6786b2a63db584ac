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
        ResourceUsage.resetPeakResident()
        let workers = max(1, options.workers)
        var connections: [Store.Connection] = []
        var streams: [OperationStream] = []
        for worker in 0..<workers {
            connections.append(try store.connect())
            do throws(BenchmarkError) {
                streams.append(try OperationStream(plan: plan, worker: worker, workers: workers))
            } catch {
                throw StoreError(.engine, "cannot read the trace back for the replay: \(error.message)")
            }
        }
        let users = IdentifierTable(count: plan.userCount)
        let chats = IdentifierTable(count: plan.chatCount)
        let ledger = ChatLedger(chatCount: plan.chatCount)
        let pairs = PairTable(index: plan.pairs)
        let runners = (0..<workers).map { worker in
            OperationRunner(connection: connections[worker], plan: plan, users: users, chats: chats, ledger: ledger,
                            pairs: pairs, acknowledgements: options.acknowledgements)
        }
        let setupRecorders = (0..<workers).map { _ in WorkerRecorder(phaseCount: 1, seconds: 1, presentSlots: []) }
        let setupStart = MonotonicClock.now()
        for stage: UInt8 in 0...2 {
            try runSetupStage(stage, streams: streams, runners: runners, recorders: setupRecorders, stop: options.stop)
        }
        let setupNanos = MonotonicClock.now() - setupStart

        let latencies = SlotHistograms(count: plan.scenario.phases.count * WorkerRecorder.kindCount, present: plan.presentSlots)
        let secondResponses = SecondHistograms(seconds: plan.load.offeredPerSecond.count)
        let recorders = (0..<workers).map { _ in
            WorkerRecorder(phaseCount: plan.scenario.phases.count, seconds: plan.load.offeredPerSecond.count, presentSlots: plan.presentSlots,
                           latencies: latencies, secondResponses: secondResponses)
        }
        let startNanos = try scheduleStart(options)
        let startedAt = Date().timeIntervalSince1970 + (Double(startNanos) - Double(MonotonicClock.now())) / 1e9
        options.observer?.attach(backend: options.label, shard: plan.shard, load: plan.load, live: LiveTotals(counters: recorders.map(\.live)), startNanos: startNanos)
        options.acknowledgements?.note(.scheduleStarted, .register, sequence: startNanos)
        let monitor = ProgressMonitor(plan: plan, recorders: recorders, startNanos: startNanos, options: options)
        monitor.start()
        let faults = FaultThread(options: options, startNanos: startNanos)
        let engine = EngineSampler(options: options, startNanos: startNanos, seconds: plan.load.offeredPerSecond.count)
        let costs = CostSampler(server: options.serverSampler, startNanos: startNanos, phaseStartSeconds: plan.scenario.phaseWindows.map(\.start))
        // Open loop: the backlog drains for at most the drain bound after the schedule's end (closed loop has no schedule to end).
        let deadline = options.mode == .open ? startNanos + plan.scenario.duration.nanoseconds + options.drainBound.nanoseconds : UInt64.max
        let gate = DrainGate(workers: workers, deadlineNanos: deadline)
        let stretch = options.stretchForTesting.map(StretchThreshold.init)
        // A call under way at the deadline has a second more to return before its worker is abandoned.
        let allReturned = onThreads(workers, until: deadline == .max ? .max : deadline + 1_000_000_000) { worker in
            var runner = runners[worker]
            replay(streams[worker], worker: worker, gate: gate, runner: &runner, recorder: recorders[worker], startNanos: startNanos, plan: plan,
                   options: options, stretch: stretch)
            gate.finish(worker)
        }
        // Workers still in a store call at the deadline are left behind and never write their recorders again, so the
        // recorders are finished here, not by the workers (an abandoned one would do it whenever its call returned).
        let abandoned = allReturned ? 0 : gate.abandonStragglers()
        for recorder in recorders { recorder.finish() }
        let endNanos = MonotonicClock.now()
        let engineSeries = engine.finish()
        let faultsMade = faults.finish()
        if !faultsMade.isEmpty { options.faultSettler?() }
        monitor.stop()
        let edges = costs.finish()
        let interrupted = options.stop.isRequested
        if let failure = streams.lazy.compactMap(\.failure).first {
            throw StoreError(.engine, "the trace could not be read back during the replay (\(failure)); nothing was measured")
        }

        let inDoubt = (setupRecorders + recorders).flatMap(\.inDoubt)
        // A store that cannot be read back keeps the run's measurements; it fails the integrity check instead.
        let integrity: IntegrityReport
        if abandoned > 0 {
            integrity = IntegrityReport(unverifiable: "\(abandoned) of \(workers) workers were still waiting for the store "
                + "over \(options.drainBound) after the schedule ended (the drain bound, --drain): it stopped answering, so it was not read back")
        } else {
            do throws(StoreError) {
                integrity = try IntegrityCheck.verify(
                    connection: connections[0], plan: plan, users: users, chats: chats, ledger: ledger, pairs: pairs,
                    inDoubt: inDoubt, forgottenSends: (setupRecorders + recorders).flatMap(\.forgottenSends))
            } catch {
                integrity = IntegrityReport(unverifiable: error.message)
            }
        }
        let result = ReplayResult(
            load: plan.load, mode: options.mode, invalidWakeLagNanos: options.invalidWakeLagNanos, recorders: recorders, setupRecorders: setupRecorders, setupNanos: setupNanos,
            wallNanos: endNanos - startNanos, usage: edges[edges.count - 1].client - edges[0].client, interrupted: interrupted, integrity: integrity)
        if !interrupted, deadline != .max {
            let completed = result.completed
            result.notCompleted = UInt64(plan.load.scheduledCount) > completed ? UInt64(plan.load.scheduledCount) - completed : 0
            result.drainBound = options.drainBound
        }
        result.recordCosts(edges)
        result.recordFaults(faultsMade)
        result.engineSeries = engineSeries
        result.scheduleStartedAt = startedAt
        result.peakResidentBytes = ResourceUsage.peakResidentBytes()
        return result
    }

    /// The monotonic instant the schedule starts: 50 ms from now (every worker is waiting by then), or `startAt`.
    private static func scheduleStart(_ options: ReplayOptions) throws(StoreError) -> UInt64 {
        let soon = MonotonicClock.now() + 50_000_000
        guard let startAt = options.startAt else { return soon }
        let wait = startAt - Date().timeIntervalSince1970
        guard wait >= 0.05 else {
            throw StoreError(.invalidOption, String(format: "the schedule's start instant %@ had passed by %.1f s when the population was built; give a later "
                + "instant, leaving every shard time to build its population first", Figures.instant(startAt), -wait))
        }
        guard wait <= 7 * 86_400 else {
            throw StoreError(.invalidOption, "the schedule's start instant \(Figures.instant(startAt)) is more than a week away; give an instant closer to now")
        }
        return MonotonicClock.now() + UInt64(wait * 1e9)
    }

    /// One setup stage, closed loop, each worker its own lanes; any failure stops the run.
    private static func runSetupStage<Connection: StoreConnection>(
        _ stage: UInt8, streams: [OperationStream], runners: [OperationRunner<Connection>], recorders: [WorkerRecorder], stop: StopSignal
    ) throws(StoreError) {
        let failures = FirstFailure()
        onThreads(streams.count) { worker in
            var runner = runners[worker]
            while let operation = streams[worker].nextSetup(stage: stage) {
                if failures.hasFailed || stop.isRequested { return }
                do throws(StoreError) {
                    if let category = try runner.perform(operation, recorder: recorders[worker]) {
                        failures.record(StoreError(.engine, "a setup \(operation.kind) came back as \(category.rawValue)"))
                    }
                } catch {
                    failures.record(error)
                }
            }
        }
        if let failure = streams.lazy.compactMap(\.failure).first {
            throw StoreError(.engine, "the trace could not be read back while building the starting population: \(failure)")
        }
        if let failure = failures.first {
            throw StoreError(failure.kind, "building the starting population failed: \(failure.message)", engineCode: failure.engineCode)
        }
        if stop.isRequested {
            throw StoreError(.engine, "interrupted while building the starting population; nothing was measured")
        }
    }

    /// One worker's share of the schedule, streamed from the trace. Nothing here locks; only operations that carry
    /// a list (contact imports, groups) allocate.
    private static func replay<Connection: StoreConnection>(
        _ stream: OperationStream, worker: Int, gate: DrainGate, runner: inout OperationRunner<Connection>, recorder: WorkerRecorder,
        startNanos: UInt64, plan: ReplayPlan, options: ReplayOptions, stretch: StretchThreshold?
    ) {
        let open = options.mode == .open
        let phases = plan.scenario.phases.count
        let measuredFrom = plan.scenario.warmup.nanoseconds
        let measuredUntil = plan.scenario.duration.nanoseconds - plan.scenario.cooldown.nanoseconds
        let seconds = recorder.seconds
        MonotonicClock.sleep(until: startNanos)
        var previousEnd = MonotonicClock.now()
        while let operation = stream.nextScheduled() {
            if options.stop.isRequested { return }
            let intended = startNanos + operation.intendedNanos
            var start = MonotonicClock.now()
            var waited = false
            if open, start < intended {
                MonotonicClock.sleep(until: intended)
                start = MonotonicClock.now()
                recorder.wakeLag.recordClamped(start - intended)
                waited = true
                recorder.live.lagNanos.store(0, ordering: .relaxed)
            } else {
                recorder.live.lagNanos.store(start > intended ? start - intended : 0, ordering: .relaxed)
                recorder.harnessNanos += start - previousEnd
            }
            let second = min(seconds - 1, Int(operation.intendedNanos / 1_000_000_000))
            guard gate.mayStart(worker, now: start) else { return }  // past the drain bound: the rest counts as not completed
            let failure = runner.execute(operation, recorder: recorder)
            guard gate.callReturned(worker) else { return }  // abandoned while in the call: record nothing
            var end = MonotonicClock.now()
            if let stretch { end = stretch.hold(start: start, end: end) }

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
    _ = onThreads(count, until: .max, body)
}

/// Runs `body(index)` on `count` new threads and waits for all of them until the monotonic instant `deadlineNanos`
/// (``MonotonicClock``); returns false when some were still running then (they are left to finish on their own).
@discardableResult
func onThreads(_ count: Int, until deadlineNanos: UInt64, _ body: @escaping (Int) -> Void) -> Bool {
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
    guard deadlineNanos != .max else {
        group.wait()
        return true
    }
    let now = MonotonicClock.now()
    return group.wait(timeout: .now() + .nanoseconds(Int(min(deadlineNanos > now ? deadlineNanos - now : 0, UInt64(Int.max))))) == .success
}

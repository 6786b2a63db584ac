import Harness
import SurgeCore
import Workload

/// `surgebench run`'s pipeline: one plan replayed against each backend in turn, each on a fresh store, repeated with
/// the backends interleaved (A B C A B C ...) so that a machine whose speed drifts affects them alike.
public struct BenchmarkSession {
    /// The trace every backend replays.
    public var plan: ReplayPlan
    /// Each backend with its validated options.
    public var backends: [(descriptor: BackendDescriptor, options: BackendOptions)]
    /// How to replay; its `stop` ends the session early.
    public var replayOptions: ReplayOptions
    /// How many times to run every backend; `compare` needs several.
    public var repetitions = 1
    /// Where progress lines go.
    public var say: (String) -> Void

    /// A session replaying `plan` against `backends` with `replayOptions`, telling `say` what it does.
    public init(plan: ReplayPlan, backends: [(descriptor: BackendDescriptor, options: BackendOptions)], replayOptions: ReplayOptions,
                say: @escaping (String) -> Void = { _ in }) {
        self.plan = plan
        self.backends = backends
        self.replayOptions = replayOptions
        self.say = say
    }

    /// Runs every backend and repetition, then captures the machine; stops early when `replayOptions.stop` is
    /// requested (the outcome is then incomplete).
    public func run() -> RunOutcome {
        var runs: [RunOutcome.Run] = []
        repetitions: for repetition in 0..<repetitions {
            for (descriptor, options) in backends {
                if replayOptions.stop.isRequested { break repetitions }
                if repetitions > 1 { say("repetition \(repetition + 1) of \(repetitions)") }
                say("\(descriptor.name): opening a fresh store (\(Redaction.describe(options.values)))")
                let outcome = FreshStoreReplay.run(descriptor, options: options, plan: plan, replayOptions: replayOptions)
                switch outcome {
                case .measured(let measurement):
                    let result = measurement.result
                    say("\(descriptor.name): \(result.completed) operations, \(Int(result.achievedPerSecond.rounded())) ops/s, integrity "
                        + (result.integrity.isIntact ? "ok (lost: 0)" : "FAILED (lost: \(result.integrity.lost))"))
                case .failed(_, _, let reason):
                    say("\(descriptor.name): FAILED: \(reason)")
                }
                runs.append(RunOutcome.Run(outcome: RunOutcome.RecordedOutcome(outcome, shard: plan.shard), repetition: repetition))
            }
        }
        let storePath = backends.lazy.compactMap { $0.options.values[BackendOption.path.name] }.first
        return RunOutcome(
            plan: plan, replayOptions: replayOptions, repetitions: repetitions, runs: runs,
            complete: runs.count == repetitions * backends.count && !replayOptions.stop.isRequested,
            environment: EnvironmentInfo.capture(backends: backends.map(\.descriptor), storeDirectory: MachineProbe.storeDirectory(forPath: storePath)),
            finishedAt: timestampNow())
    }
}

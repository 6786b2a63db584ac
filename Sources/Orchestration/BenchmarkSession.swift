import Harness
import SurgeCore
import Workload

/// A whole benchmark: one plan replayed against each backend in turn, each on a fresh store, repeated with the
/// backends interleaved (A B C A B C ...) so that a machine whose speed drifts affects them alike.
public struct BenchmarkSession {
    public var plan: ReplayPlan
    /// Each backend with its validated options.
    public var backends: [(descriptor: BackendDescriptor, options: BackendOptions)]
    public var replayOptions: ReplayOptions
    /// How many times to run every backend; `compare` needs several.
    public var repetitions = 1
    /// Where progress lines go.
    public var say: (String) -> Void

    public init(plan: ReplayPlan, backends: [(descriptor: BackendDescriptor, options: BackendOptions)], replayOptions: ReplayOptions,
                say: @escaping (String) -> Void = { _ in }) {
        self.plan = plan
        self.backends = backends
        self.replayOptions = replayOptions
        self.say = say
    }

    /// Runs every backend and repetition, handing each outcome and its repetition (from 0) to `record` as it
    /// finishes. Stops early on Ctrl-C (`replayInterruption`); returns whether every run was made.
    public func run(_ record: (BackendOutcome, Int) throws(BenchmarkError) -> Void) throws(BenchmarkError) -> Bool {
        var made = 0
        for repetition in 0..<repetitions {
            for (descriptor, options) in backends {
                if replayInterruption.load(ordering: .relaxed) { return false }
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
                try record(outcome, repetition)
                made += 1
            }
        }
        return made == repetitions * backends.count && !replayInterruption.load(ordering: .relaxed)
    }
}

import Foundation
import Harness
import SurgeCore
import Workload

/// Finds the highest arrival rate of a scenario phase's mix that one backend sustains within an SLO without a
/// growing backlog: short open-loop trials on fresh stores, doubling up to the first failure, then bisecting, then
/// confirming the answer with a second trial (noise can pass a rate once).
public struct CapacitySearch {
    /// "p99<=20ms": a response-time percentile and its limit.
    public struct SLO: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The percentile (99 for p99).
        public var percentile: Double
        /// Its limit, in milliseconds.
        public var limitMs: Double

        /// Parses `pNN<=Xms` (or `s`, `us`); throws a message saying the form.
        public init(parsing text: String) throws(BenchmarkError) {
            let compact = text.replacingOccurrences(of: " ", with: "")
            let parts = compact.components(separatedBy: "<=")
            guard parts.count == 2, parts[0].hasPrefix("p"), let percentile = Double(parts[0].dropFirst()), percentile > 0, percentile < 100,
                  let limit = TimeSpan(parsing: parts[1]), limit.nanoseconds > 0 else {
                throw BenchmarkError("--slo '\(text)' must look like p99<=20ms (a percentile below 100 and a time)")
            }
            self.percentile = percentile
            limitMs = Double(limit.nanoseconds) / 1e6
        }

        /// "p99<=20ms".
        public var description: String { "\(percentileLabel)<=\(Figures.format(limitMs))ms" }

        /// "p99", "p99.9".
        public var percentileLabel: String {
            "p" + (percentile == percentile.rounded() ? String(Int(percentile)) : String(percentile))
        }
    }

    /// One trial at one rate; rates are over its measured part.
    public struct Trial: Sendable, Hashable, Codable {
        /// The arrival rate tried, in newcomer sessions per second.
        public var sessionsPerSecond: Double
        /// Operations offered per second over the measured part.
        public var offeredOpsPerSecond: Double
        /// Operations finished per second over the measured part.
        public var achievedOpsPerSecond: Double
        /// The SLO's percentile of response time, in milliseconds.
        public var percentileMs: Double
        /// Operations offered but not finished when the schedule ended.
        public var backlogAtEnd: UInt64
        /// Operations that failed.
        public var errors: UInt64
        /// Whether the trial met the SLO with no growing backlog, no error and nothing lost.
        public var passed: Bool
        /// Why it failed, or "within SLO".
        public var reason: String
        /// CPU time per finished operation of the generator (an in-process store's included) and the store's servers
        /// together, microseconds (nil in older files).
        public var cpuMicrosPerOperation: Double? = nil
        /// Of which the servers' (nil for a store without servers SurgeBench started).
        public var serverCPUMicrosPerOperation: Double? = nil
    }

    /// The scenario whose population and phase mix are offered (already scaled).
    public var base: Scenario
    /// The phase whose mix is offered.
    public var phaseIndex: Int
    /// The backend searched.
    public var descriptor: BackendDescriptor
    /// Its options, validated.
    public var options: BackendOptions
    /// The objective every trial must meet.
    public var slo: SLO
    /// Seconds of schedule per trial (half of it, at most 7 s, warm-up).
    public var trialSeconds: Double
    /// Worker threads, each with its own connection.
    public var workers: Int
    /// Seeds every trial's trace.
    public var seed: UInt64
    /// Hears a line per trial.
    public var say: (String) -> Void
    /// The factor `base` was scaled by, for the record.
    public var scale: Double = 1
    /// Ends the search (between and inside trials) when requested.
    public var stop = StopSignal()

    /// What `surgebench capacity` measured: the answer, every trial behind it, the settings the store ran with and the
    /// machine, captured after the trials.
    public struct Outcome {
        /// The search as configured.
        public var search: CapacitySearch
        /// The highest rate that passed twice.
        public var capacity: Trial
        /// Every trial, in the order run.
        public var trials: [Trial]
        /// The durability and commit settings the store ran with.
        public var settings: StoreSettings
        /// The machine, captured after the trials.
        public var environment: EnvironmentInfo
        /// When the search ended (ISO 8601, UTC).
        public var finishedAt: String

        /// The phase whose mix was offered.
        public var phase: Scenario.Phase { search.base.phases[search.phaseIndex] }
    }

    /// The phase `capacity` offers when none is named: the surge phase with the highest rate (among equally busy
    /// ones, the one with the most newcomers); every phase when none is a surge.
    public static func busiestPhase(of scenario: Scenario) -> Int {
        let surge = scenario.phases.indices.filter { scenario.phases[$0].role == .surge }
        let candidates = surge.isEmpty ? Array(scenario.phases.indices) : surge
        func load(_ index: Int) -> (Double, Double) {
            (scenario.phases[index].rate.peak, scenario.phases[index].mix.newcomer / scenario.phases[index].mix.total)
        }
        return candidates.max { load($0) < load($1) } ?? 0
    }

    /// Runs the search from the phase's own rate (``run(startRate:minimumRate:maximumRate:steps:)``) and captures the machine.
    public func measure(minimumRate: Double, maximumRate: Double, steps: Int) throws(BenchmarkError) -> Outcome {
        let (capacity, trials, settings) = try run(startRate: base.phases[phaseIndex].rate.peak, minimumRate: minimumRate,
                                                   maximumRate: maximumRate, steps: steps)
        let environment = EnvironmentInfo.capture(
            backends: [descriptor], storeDirectory: MachineProbe.storeDirectory(forPath: options.values[BackendOption.path.name]))
        return Outcome(search: self, capacity: capacity, trials: trials, settings: settings, environment: environment, finishedAt: timestampNow())
    }

    /// A search of `descriptor` with `options` offering `base`'s phase `phaseIndex` within `slo`, in trials of `trialSeconds`.
    public init(base: Scenario, phaseIndex: Int, descriptor: BackendDescriptor, options: BackendOptions, slo: SLO,
                trialSeconds: Double, workers: Int, seed: UInt64, say: @escaping (String) -> Void) {
        self.base = base
        self.phaseIndex = phaseIndex
        self.descriptor = descriptor
        self.options = options
        self.slo = slo
        self.trialSeconds = trialSeconds
        self.workers = workers
        self.seed = seed
        self.say = say
    }

    /// The scenario of one trial: the base population, one constant phase with the chosen phase's mix.
    func trialScenario(sessionsPerSecond: Double) throws(BenchmarkError) -> Scenario {
        var scenario = base
        var phase = base.phases[phaseIndex]
        phase.name = "capacity"
        phase.role = .baseline
        phase.duration = TimeSpan(seconds: trialSeconds)
        phase.rate = RateCurve(shape: .constant, from: sessionsPerSecond)
        phase.arrivals = .poisson
        scenario.phases = [phase]
        // Newcomer sessions last several think times; the warm-up lets them build up to their steady share.
        scenario.warmup = TimeSpan(seconds: min(7, trialSeconds / 2))
        scenario.cooldown = TimeSpan(nanoseconds: 0)
        try scenario.validate(source: "capacity trial")
        return scenario
    }

    /// Runs one trial on a fresh store; returns it with the settings the store ran with.
    public func trial(sessionsPerSecond: Double) throws(BenchmarkError) -> (trial: Trial, settings: StoreSettings) {
        let scenario = try trialScenario(sessionsPerSecond: sessionsPerSecond)
        let plan = try TracePlanning.plan(scenario, seed: seed, scale: 1, stop: stop)
        let result: ReplayResult
        let settings: StoreSettings
        var replayOptions = ReplayOptions(workers: workers)
        replayOptions.stop = stop
        switch FreshStoreReplay.run(descriptor, options: options, plan: plan, replayOptions: replayOptions) {
        case .measured(let measurement): (result, settings) = (measurement.result, measurement.settings)
        case .failed(_, _, let reason): throw BenchmarkError("\(descriptor.name) failed in a capacity trial: \(reason)")
        }
        let percentile = Double(result.histogram().valueAtPercentile(slo.percentile)) / 1e6
        let series = result.series
        // The offered rate of the measured (steady) part, not of the build-up.
        let measuredSeconds = plan.load.offeredPerSecond.indices.filter { Double($0) >= scenario.warmup.seconds && Double($0) < scenario.duration.seconds }
        let offered = plan.load.meanOfferedPerSecond(from: scenario.warmup.seconds, to: scenario.duration.seconds)
        let backlog = result.completedAfterSchedule
        var reasons: [String] = []
        if percentile > slo.limitMs { reasons.append("\(slo.percentileLabel) \(Figures.format(percentile)) ms") }
        if Double(backlog) > max(5, offered * 0.05) { reasons.append("backlog of \(backlog) operations at the end") }
        if result.errorCount > 0 { reasons.append("\(result.errorCount) errors") }
        if !result.integrity.isIntact { reasons.append("lost writes") }
        if let invalid = result.invalidReason { reasons.append("invalid: \(invalid)") }
        let trial = Trial(
            sessionsPerSecond: sessionsPerSecond, offeredOpsPerSecond: offered,
            achievedOpsPerSecond: Double(measuredSeconds.reduce(0) { $0 + series[$1].achieved }) / Double(max(measuredSeconds.count, 1)),
            percentileMs: percentile,
            backlogAtEnd: backlog, errors: result.errorCount, passed: reasons.isEmpty, reason: reasons.isEmpty ? "within SLO" : reasons.joined(separator: ", "),
            cpuMicrosPerOperation: Double(result.usage.cpuNanos + (result.server?.processes?.cpuNanos ?? 0)) / 1000 / Double(max(result.completed, 1)),
            serverCPUMicrosPerOperation: result.server?.processes.map { Double($0.cpuNanos) / 1000 / Double(max(result.completed, 1)) })
        say(String(format: "  %@ %.1f sessions/s = %.0f ops/s: %@ %.3g ms, backlog %llu: %@", descriptor.name, sessionsPerSecond, offered,
                   slo.percentileLabel, percentile, backlog, trial.passed ? "pass" : "FAIL (\(trial.reason))"))
        return (trial, settings)
    }

    /// The search, with the settings the store ran with. Throws when even `minimumRate` fails the SLO.
    public func run(startRate: Double, minimumRate: Double, maximumRate: Double, steps: Int) throws(BenchmarkError)
        -> (capacity: Trial, trials: [Trial], settings: StoreSettings)
    {
        var trials: [Trial] = []
        var settings = StoreSettings.inMemory
        func attempt(_ rate: Double) throws(BenchmarkError) -> Bool {
            if stop.isRequested { throw BenchmarkError.interrupted("nothing written") }
            let outcome = try trial(sessionsPerSecond: rate)
            trials.append(outcome.trial)
            settings = outcome.settings
            return outcome.trial.passed
        }
        var low: Double?
        var high: Double?
        var rate = max(minimumRate, min(startRate, maximumRate))
        if try attempt(rate) {
            low = rate
            while rate < maximumRate {
                rate = min(maximumRate, rate * 2)
                if try attempt(rate) { low = rate } else { high = rate; break }
            }
        } else {
            high = rate
            while rate > minimumRate {
                rate = max(minimumRate, rate / 2)
                if try attempt(rate) { low = rate; break } else { high = rate }
            }
        }
        guard var best = low else {
            throw BenchmarkError("\(descriptor.name) cannot meet \(slo) even at \(Figures.format(minimumRate)) sessions/s "
                + "(\(Figures.format(trials.last?.offeredOpsPerSecond ?? 0)) ops/s): \(trials.last?.reason ?? ""); lower --min-rate or relax --slo")
        }
        if let ceiling = high {
            var failing = ceiling
            for _ in 0..<steps where failing / best > 1.05 {
                let middle = (best + failing) / 2
                if try attempt(middle) { best = middle } else { failing = middle }
            }
        }
        // Confirm: the answer must pass twice; step down 5% at a time until it does.
        for _ in 0..<4 {
            if try attempt(best) { break }
            best *= 0.95
        }
        guard let capacity = trials.last(where: { $0.passed && $0.sessionsPerSecond == best }) ?? trials.filter(\.passed).max(by: { $0.sessionsPerSecond < $1.sessionsPerSecond }) else {
            throw BenchmarkError("\(descriptor.name): no rate passed twice; the machine is too noisy for a capacity figure")
        }
        return (capacity, trials, settings)
    }
}

import Foundation
import Orchestration
import StoreSupport
import SurgeCore
import Workload

/// `surgebench crash`'s pipeline and what it returns: a scenario's trace generated, the campaign run against it, the
/// machine captured and the campaign's verdict on the mode's promise.
public struct CrashRun: Sendable {
    /// The machine, captured after the crashes.
    public var environment: EnvironmentInfo
    /// When the campaign ended (ISO 8601, UTC).
    public var finishedAt: String
    /// What was crashed and how (its trace removed by now).
    public var configuration: CrashCampaign.Configuration
    /// The scenario replayed by every crash, compressed as it ran.
    public var scenario: Scenario
    /// The factor the scenario was scaled by.
    public var scale: Double
    /// Every crash and the final check.
    public var outcome: CrashCampaign.Outcome
    /// The promise of the mode for the kind of crash made; nil when none is on record.
    public var guarantee: DurabilityPromise.Guarantee?
    /// The campaign's verdict on that promise.
    public var verdict: CrashVerdict

    /// How much longer a failover campaign's last phase runs than the scenario says: a takeover (Redis elects a replica
    /// after its node timeout; a promotion takes a moment) must finish, and writes resume, inside the schedule.
    public static let failoverTail = TimeSpan(seconds: 10)

    /// Generates `scenario`'s trace (a failover campaign's last phase lengthened by ``failoverTail``) (scaled by `scale` already) with `configuration.seed` into a temporary file, runs
    /// the campaign on it (`note` hears a line per crash), captures the machine and judges the outcome. Throws when the
    /// campaign cannot run at all or is stopped.
    public static func perform(_ configuration: CrashCampaign.Configuration, scenario: Scenario, scale: Double,
                               note: (String) -> Void) throws(BenchmarkError) -> CrashRun {
        var configuration = configuration
        var scenario = scenario
        if configuration.kind == .failover, let last = scenario.phases.indices.last {
            // The load runs on after the surge long enough for a takeover to finish inside the schedule.
            scenario.phases[last].duration = TimeSpan(nanoseconds: scenario.phases[last].duration.nanoseconds + failoverTail.nanoseconds)
        }
        let tracePath = NSTemporaryDirectory() + "surgebench-crash-\(getpid())-\(UUID().uuidString.prefix(8)).trace"
        // Removed when the campaign ends, and by a watchdog if SurgeBench ends first (a second Ctrl-C, a kill).
        let watchdog = ChildProcess.startWatchdog(cleanup: "rm -f '\(tracePath)'")
        defer {
            unlink(tracePath)
            ChildProcess.end(watchdog)
        }
        _ = try TracePlanning.generate(scenario, seed: configuration.seed, scale: 1, to: tracePath, stop: configuration.stop)
        configuration.tracePath = tracePath
        let outcome = try CrashCampaign.run(configuration, note: note)
        let guarantee = configuration.mode?.promise.guarantee(against: configuration.kind)
        return CrashRun(
            environment: EnvironmentInfo.capture(backends: [configuration.descriptor], storeDirectory: configuration.temporaryParent),
            finishedAt: timestampNow(), configuration: configuration, scenario: scenario, scale: scale, outcome: outcome,
            guarantee: guarantee, verdict: CrashVerdict.judge(guarantee, outcome: outcome))
    }
}

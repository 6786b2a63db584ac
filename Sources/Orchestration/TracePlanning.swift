import Foundation
import Harness
import SurgeCore
import Workload

/// Scenario -> trace -> plan: the one way a scenario becomes operations to replay.
public enum TracePlanning {
    /// What a generated trace holds.
    public struct GeneratedTrace: Sendable {
        /// The trace's header (seed, scale, shard, scenario).
        public var header: TraceHeader
        /// The digest of its operations.
        public var digest: UInt64
        /// How many operations it holds.
        public var operations: UInt64
    }

    /// Generates the trace of `scenario` (already rescaled by `scale`) with `seed` into `path`, atomically: the
    /// communities of `shard` only, on `threads` threads (the trace is the same whatever their number).
    public static func generate(_ scenario: Scenario, seed: UInt64, scale: Double, shard: Shard = .whole,
                                threads: Int = ProcessInfo.processInfo.activeProcessorCount, to path: String,
                                stop: StopSignal = StopSignal()) throws(BenchmarkError) -> GeneratedTrace {
        let header = TraceHeader(seed: seed, scale: scale, shard: shard, scenarioYAML: scenario.yaml())
        let writer = try TraceWriter(path: path, header: header)
        do {
            var generator = TraceGenerator(scenario: scenario, seed: seed, shard: shard, threads: threads)
            generator.stop = stop
            try generator.write(to: writer)
        } catch let error as BenchmarkError {
            throw error
        } catch {
            throw BenchmarkError("generating the trace of \(scenario.name) failed: \(error)")
        }
        let digest = try writer.finish()
        return GeneratedTrace(header: header, digest: digest, operations: writer.operationCount)
    }

    /// The plan of a trace file, checked whole before anything runs: the communities of `shard` (nil: the trace's own).
    public static func plan(readingTrace path: String, shard: Shard? = nil, phoneNamespace: String = "", stop: StopSignal = StopSignal())
        throws(BenchmarkError) -> ReplayPlan
    {
        try ReplayPlan(readingTrace: path, shard: shard, phoneNamespace: phoneNamespace, stop: stop)
    }

    /// The plan of `scenario`'s communities of `shard`: generated into a temporary trace, which the plan streams
    /// from and removes when it goes.
    public static func plan(_ scenario: Scenario, seed: UInt64, scale: Double, shard: Shard = .whole, phoneNamespace: String = "",
                            stop: StopSignal = StopSignal()) throws(BenchmarkError) -> ReplayPlan
    {
        let path = NSTemporaryDirectory() + "surgebench-\(getpid())-\(UUID().uuidString).trace"
        do throws(BenchmarkError) {
            _ = try generate(scenario, seed: seed, scale: scale, shard: shard, to: path, stop: stop)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        do throws(BenchmarkError) {
            return try ReplayPlan(readingTrace: path, phoneNamespace: phoneNamespace, temporary: true)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw BenchmarkError("the trace generated from scenario \(scenario.name) was refused by its own reader (a SurgeBench bug: "
                + "please report it with the scenario): \(error.message.replacingOccurrences(of: path, with: "<generated>"))")
        }
    }
}

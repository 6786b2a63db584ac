import Foundation
import Harness
import Workload

/// Scenario -> trace -> plan: the one way a scenario becomes operations to replay.
public enum TracePlanning {
    /// What a generated trace holds.
    public struct GeneratedTrace: Sendable {
        public var header: TraceHeader
        public var digest: UInt64
        public var operations: UInt64
    }

    /// Generates the trace of `scenario` (already rescaled by `scale`) with `seed` into `path`, atomically.
    public static func generate(_ scenario: Scenario, seed: UInt64, scale: Double, to path: String) throws(BenchmarkError) -> GeneratedTrace {
        let header = TraceHeader(seed: seed, scale: scale, scenarioYAML: scenario.yaml())
        let writer = try TraceWriter(path: path, header: header)
        do {
            try TraceGenerator(scenario: scenario, seed: seed).generate { operation in try writer.append(operation) }
        } catch let error as BenchmarkError {
            throw error
        } catch {
            throw BenchmarkError("generating the trace of \(scenario.name) failed: \(error)")
        }
        let digest = try writer.finish()
        return GeneratedTrace(header: header, digest: digest, operations: writer.operationCount)
    }

    /// The plan of a trace file, read whole and checked before anything runs.
    public static func plan(readingTrace path: String, phoneNamespace: String = "") throws(BenchmarkError) -> ReplayPlan {
        try ReplayPlan(reading: TraceReader(path: path), phoneNamespace: phoneNamespace)
    }

    /// The plan of `scenario`: generated into a temporary trace, read back and checked as any trace is, the file removed.
    public static func plan(_ scenario: Scenario, seed: UInt64, scale: Double, phoneNamespace: String = "") throws(BenchmarkError) -> ReplayPlan {
        let path = NSTemporaryDirectory() + "surgebench-\(getpid())-\(UUID().uuidString).trace"
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try generate(scenario, seed: seed, scale: scale, to: path)
        return try plan(readingTrace: path, phoneNamespace: phoneNamespace)
    }
}

import SurgeCore
import ArgumentParser
import Foundation
import Workload

/// Which workload to generate: a scenario, rescaled, with a seed.
struct WorkloadOptions: ParsableArguments {
    @Option(name: .long, help: "A built-in scenario (see `surgebench scenarios`) or a path to a scenario .yaml file.")
    var scenario = "outage-2021"

    @Option(name: .long, help: "Multiply the population and every rate by this factor.")
    var scale: Double = 1

    @Option(name: .long, help: "Compress or stretch the schedule to this length (e.g. 60s, 2m); default: the scenario's own.")
    var duration: String?

    @Option(name: .long, help: "Seed of the generator; default: the scenario's own.")
    var seed: UInt64?

    func validate() throws {
        guard scale > 0, scale.isFinite else { throw ValidationError("--scale must be a positive number, got \(scale)") }
        if let duration, TimeSpan(parsing: duration) == nil {
            throw ValidationError("--duration '\(duration)' is not a time span of at most a week (7d = 168h); write it like 45s or 2m")
        }
    }

    /// The scenario as rescaled by these options.
    func effectiveScenario() throws -> Scenario {
        try Self.load(scenario).scaled(by: scale, toDuration: duration.flatMap(TimeSpan.init(parsing:)))
    }

    /// A built-in scenario by name, or a scenario file by path.
    static func load(_ scenario: String) throws -> Scenario {
        guard scenario.hasSuffix(".yaml") || scenario.hasSuffix(".yml") || scenario.contains("/") || FileManager.default.fileExists(atPath: scenario) else {
            return try BuiltInScenarios.scenario(named: scenario)
        }
        guard let data = FileManager.default.contents(atPath: scenario) else {
            let reason = FileManager.default.fileExists(atPath: scenario) ? "it cannot be read (permissions? a folder?)" : "there is no such file"
            throw CommandFailure("cannot read scenario file '\(scenario)': \(reason); give a built-in name (see `surgebench scenarios`) or a readable .yaml file")
        }
        if data.starts(with: Array("SURGETRC".utf8)) {
            throw CommandFailure("'\(scenario)' is a trace, not a scenario: replay it with --trace '\(scenario)'")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure("scenario file '\(scenario)' is not UTF-8 text; save it as UTF-8 YAML")
        }
        return try Scenario.load(yaml: text, source: scenario)
    }
}

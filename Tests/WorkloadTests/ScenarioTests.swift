import Foundation
import SurgeCore
import Testing
import Workload

@Suite("Scenarios")
struct ScenarioTests {
    @Test("every built-in scenario parses, validates and prints back as YAML that parses", arguments: BuiltInScenarios.all.map(\.name))
    func builtIns(name: String) throws {
        let scenario = try BuiltInScenarios.scenario(named: name)
        #expect(scenario.name == name)
        #expect(try Scenario.load(yaml: scenario.yaml(), source: "round trip") == scenario)
    }

    static let valid = BuiltInScenarios.all.first { $0.name == "smoke" }!.yaml

    @Test("invalid scenarios are refused with a message naming the place and the value", arguments: [
        ("rate: {shape: constant, from: 100}", "rate: {shape: constant, from: -3}", "phase 'baseline': rate must be from 0 to 1e+07 sessions/s, got -3"),
        ("duration: 1s\n    rate: {shape: constant", "duration: 0s\n    rate: {shape: constant", "phase 'baseline': duration must be positive"),
        ("shape: linear, from: 100, to: 300", "shape: linear, from: 100", "a linear rate needs 'to'"),
        ("users: 200", "users: 1", "population.users must be from 2 to 10000000, got 1"),
        ("retryProbability: 0.3", "retryProbability: 1.5", "newcomers.retryProbability must be between 0 and 1"),
        ("thinkTime: 100ms", "thinkTime: soon", "'soon' is not a time span"),
        ("role: baseline", "role: surge", "one phase must have role: baseline"),
        ("historyPageSize: 20", "historyPageSize: 20\n  histroyPageSize: 5", "unknown key 'histroyPageSize' in messages"),
        ("arrivals: uniform", "arrivals: bursty", "phases[0].arrivals"),
        ("warmup: 500ms", "warmup: 10s", "leave nothing of the 3s schedule to measure"),
        ("from: 100}\n    arrivals: uniform", "from: 100000000}\n    arrivals: uniform", "rate must be from 0 to 1e+07 sessions/s"),
        ("duration: 1s\n    rate: {shape: constant, from: 100}", "duration: 100s\n    rate: {shape: constant, from: 9000000}", "would generate up to 9e+08"),
    ])
    func invalid(original: String, replacement: String, expected: String) throws {
        #expect(Self.valid.contains(original))
        let yaml = Self.valid.replacingOccurrences(of: original, with: replacement)
        do {
            _ = try Scenario.load(yaml: yaml, source: "edited.yaml")
            Issue.record("accepted an invalid scenario: \(replacement)")
        } catch {
            #expect(error.message.contains("scenario edited.yaml"), "\(error.message)")
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test("text that is not a YAML mapping is refused")
    func notYAML() {
        #expect(throws: BenchmarkError.self) { try Scenario.load(yaml: "- just\n- a list", source: "list.yaml") }
        #expect(throws: BenchmarkError.self) { try Scenario.load(yaml: "name: [unclosed", source: "broken.yaml") }
    }

    @Test("scaling multiplies population and rates and compresses every time span")
    func scaling() throws {
        let scenario = try BuiltInScenarios.scenario(named: "outage-2021")
        let scaled = try scenario.scaled(by: 2, toDuration: TimeSpan(seconds: scenario.duration.seconds / 2))
        #expect(scaled.population.users == scenario.population.users * 2)
        #expect(scaled.phases[0].rate.from == scenario.phases[0].rate.from * 2)
        #expect(abs(scaled.duration.seconds - scenario.duration.seconds / 2) < 0.01)
        #expect(abs(scaled.warmup.seconds - scenario.warmup.seconds / 2) < 0.01)
        #expect(scaled.phases.map(\.name) == scenario.phases.map(\.name))
        #expect(throws: BenchmarkError.self) { try scenario.scaled(by: 0) }
        #expect(throws: BenchmarkError.self) { try scenario.scaled(by: 1, toDuration: TimeSpan(seconds: 0.5)) }
    }

    @Test("rate curves", arguments: [
        (RateCurve(shape: .constant, from: 10), 5.0, 10.0),
        (RateCurve(shape: .linear, from: 10, to: 30), 5.0, 20.0),
        (RateCurve(shape: .step, from: 10, to: 30, at: TimeSpan(seconds: 4)), 5.0, 30.0),
        (RateCurve(shape: .exponential, from: 100, to: 20, halfLife: TimeSpan(seconds: 5)), 5.0, 60.0),
    ])
    func rateCurves(curve: RateCurve, at seconds: Double, expected: Double) {
        #expect(abs(curve.rate(atSeconds: seconds, ofSeconds: 10) - expected) < 1e-9)
    }
}

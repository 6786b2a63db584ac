import Foundation
import Harness
import Orchestration
import Reporting
import StoreCatalog
import SurgeCore
import Testing
import TestSupport
import Workload

/// Topology changes during a replay: parsing `--fault`, and a real cluster resharded and losing a master mid-run.
@Suite("Faults", .serialized)
struct FaultTests {
    @Test("faults parse as kind@time[:slots] and anything else is refused, naming the form", arguments: [
        ("reshard@20s:1000-slots", StoreFault.Kind.reshard, 20.0, 1000 as Int?),
        ("reshard@2.5s:7", .reshard, 2.5, 7),
        ("kill-master@25s", .killMaster, 25, nil),
        ("restart-node@35", .restartNode, 35, nil),
    ])
    func parsing(text: String, kind: StoreFault.Kind, seconds: Double, slots: Int?) throws {
        let fault = try StoreFault(parsing: text)
        #expect(fault.kind == kind && fault.atSeconds == seconds && fault.slots == slots)
        #expect(try StoreFault(parsing: fault.description) == fault)
    }

    @Test("malformed faults are refused", arguments: ["", "reshard", "reshard@20s", "explode@3s", "kill-master@-1s", "kill-master@1e400s",
                                                      "kill-master@nan", "reshard@1s:0", "reshard@1s:99999", "kill-master@1s:5"])
    func malformed(text: String) {
        #expect(throws: BenchmarkError.self) { try StoreFault(parsing: text) }
    }

    @Test("a scenario's faults load from its YAML, stretch with --duration like its phases, and must fall inside the schedule")
    func scenarioFaults() throws {
        let smoke = try BuiltInScenarios.scenario(named: "smoke")
        let withFaults = try Scenario.load(yaml: smoke.yaml() + "faults:\n- reshard@1s:100-slots\n- kill-master@2s\n", source: "test")
        #expect(try withFaults.parsedFaults().map(\.atSeconds) == [1, 2])
        let stretched = try withFaults.scaled(by: 1, toDuration: TimeSpan(seconds: smoke.duration.seconds * 2))
        #expect(try stretched.parsedFaults().map(\.atSeconds) == [2, 4])
        #expect(throws: BenchmarkError.self) { try Scenario.load(yaml: smoke.yaml() + "faults:\n- kill-master@99s\n", source: "test") }
        #expect(throws: BenchmarkError.self) { try Scenario.load(yaml: smoke.yaml() + "faults:\n- explode@1s\n", source: "test") }
        #expect(smoke.yaml() == (try Scenario.load(yaml: smoke.yaml(), source: "test")).yaml(), "no faults: the YAML (and digest) is unchanged")
    }

    @Test("a run that reshards, loses a master and restarts it: redirects are followed, failover errors counted, every fault recorded")
    func reshardAndFailover() throws {
        let scenario = try BuiltInScenarios.scenario(named: "smoke").scaled(by: 1, toDuration: TimeSpan(seconds: 14))
        let plan = try TracePlanning.plan(scenario, seed: 42, scale: 1)
        var options = ReplayOptions(workers: 4)
        options.faults = ["reshard@3s:300-slots", "kill-master@7s", "restart-node@10s"].map { try! StoreFault(parsing: $0) }
        let outcome = FreshStoreReplay.run(try BackendCatalog.backend(named: "redis-cluster"), options: BackendOptions(["replicas": "1"]),
                                           plan: plan, replayOptions: options)
        guard case .measured(let measurement) = outcome else {
            Issue.record("the run failed: \(outcome)")
            return
        }
        let faults = measurement.result.faults
        #expect(faults.count == 3 && faults.allSatisfy { !$0.failed }, "\(faults.map(\.outcome))")
        #expect(faults.last?.outcome.hasPrefix("restarted") == true)
        #expect(faults.first?.outcome.contains("moved 300 slots") == true, "\(faults.first?.outcome ?? "")")
        // The reshard's slots kept taking writes; the killed master's went without any until its replica took over.
        #expect(faults[0].writesResumed == true && faults[1].writesResumed == true && faults[2].writesResumed == nil)
        let outage = try #require(faults[1].longestWriteGapSeconds)
        #expect(outage > 0.5 && outage < 7, "the killed master's slots went \(outage) s without a write")
        #expect(faults[1].errorsAfter > 0 && faults[1].errorsByCategory?.values.reduce(0, +) == faults[1].errorsAfter,
                "\(faults[1].errorsByCategory ?? [:])")
        #expect(faults[1].errorsByCategory?.keys.contains { ["unavailable", "cannotOpen"].contains($0) } == true)
        let csv = TimeSeriesCSV.rows(backend: "redis-cluster", repetition: 0, series: measurement.result.series, faults: faults)
        #expect(csv.split(separator: "\n").filter { $0.hasSuffix(",kill-master@7s") }.count == 1, "the time series marks the fault")
        let redirects = measurement.statistics.engine
        #expect(redirects["redirects_moved", default: 0] + redirects["redirects_ask", default: 0] > 0, "\(redirects)")
        // The replica took over: the store can be read back, whatever the asynchronous replication lost.
        #expect(measurement.result.integrity.unverifiable == nil, "\(measurement.result.integrity.problems)")
    }

    @Test("a backend that cannot make faults refuses a run that asks for them")
    func unsupported() throws {
        let plan = try TracePlanning.plan(try BuiltInScenarios.scenario(named: "smoke").scaled(by: 1, toDuration: TimeSpan(seconds: 2)),
                                          seed: 42, scale: 1)
        var options = ReplayOptions(workers: 2)
        options.faults = [try StoreFault(parsing: "kill-master@1s")]
        guard case .failed(_, _, let reason) = FreshStoreReplay.run(try BackendCatalog.backend(named: "memory"), options: BackendOptions(),
                                                                   plan: plan, replayOptions: options) else {
            Issue.record("memory accepted a fault")
            return
        }
        #expect(reason.contains("cannot make faults"))
    }
}

import Foundation
import Harness
import Reporting
import StoreCatalog
import SurgeCore
import Testing
import Workload

@Suite("Compare, report and capacity", .serialized)
struct CompareReportTests {
    /// A small run of the calibration backend, repeated, written to a folder.
    static func calibrationRun(serviceMicros: Int, repetitions: Int, into path: String, plan: ReplayPlan) throws -> ResultsDocument {
        var run = BenchmarkRun(
            plan: plan, traceFile: nil,
            backends: [(try BackendCatalog.backend(named: "calibration"), ["service-us": "\(serviceMicros)"]), (try BackendCatalog.backend(named: "memory"), [:])],
            replayOptions: ReplayOptions(workers: 2), say: { _ in })
        run.repetitions = repetitions
        return try run.execute(into: ResultsFolder(path: path)).document
    }

    @Test("compare: identical runs are no change, a 40% slower backend is a regression, too few repetitions are not judged")
    func comparison() throws {
        let directory = try ScratchDirectory()
        let plan = try makePlan(try readOnlyScenario(rate: 400, seconds: 2))
        let baseline = try Self.calibrationRun(serviceMicros: 1000, repetitions: 3, into: directory.file("a"), plan: plan)
        let same = try Self.calibrationRun(serviceMicros: 1000, repetitions: 3, into: directory.file("b"), plan: plan)
        let slower = try Self.calibrationRun(serviceMicros: 1400, repetitions: 3, into: directory.file("c"), plan: plan)
        #expect(Set(baseline.backends.map(\.repetition)) == [0, 1, 2])
        #expect(baseline.backends.map(\.backend) == ["calibration", "memory", "calibration", "memory", "calibration", "memory"])

        // The calibration backend's service time is a sleep: stable enough to judge even on a loaded machine.
        func serviceP50(_ comparison: Comparison) -> Comparison.Row? {
            comparison.rows.first { $0.backend == "calibration" && $0.metric == "service p50 ms" }
        }
        let unchanged = try Comparison(baseline: baseline, candidate: same)
        #expect(serviceP50(unchanged)?.verdict == .noChange, "\(unchanged.markdown())")
        let regressed = try Comparison(baseline: baseline, candidate: slower)
        #expect(regressed.verdict == .regression, "\(regressed.markdown())")
        #expect(serviceP50(regressed)?.verdict == .regression, "\(regressed.markdown())")
        #expect(regressed.markdown().contains("**Regression**"))
        let improved = try Comparison(baseline: slower, candidate: baseline)
        #expect(serviceP50(improved)?.verdict == .improvementOnly, "\(improved.markdown())")

        var single = baseline
        single.backends = baseline.backends.filter { $0.repetition == 0 }
        let unjudged = try Comparison(baseline: single, candidate: slower)
        #expect(unjudged.rows.allSatisfy { $0.verdict == .noChange && $0.judgement.hasPrefix("not judged") })

        // Lost writes in the candidate are a regression whatever the statistics say.
        var broken = same
        broken.backends[0].integrity.lostMessages = 1
        #expect(try Comparison(baseline: baseline, candidate: broken).verdict == .regression)

        // Runs of another trace are refused.
        var other = same
        other.configuration.traceDigest = "0000000000000000"
        #expect(throws: WorkloadError.self) { try Comparison(baseline: baseline, candidate: other) }
        other.configuration.scenario = "elsewhere"
        other.configuration.scenarioDigest = "1"
        #expect(throws: WorkloadError.self) { try Comparison(baseline: baseline, candidate: other) }

        // The report reads the repeated folder and draws its three charts.
        let folder = try RunFolder(path: directory.file("a"))
        let html = HTMLReport.render([folder])
        #expect(html.components(separatedBy: "<svg ").count == 4)
        #expect(html.contains("Throughput: offered vs achieved") && html.contains("percentile spectrum"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http"))
        let markdown = MarkdownTable.render(folder.document)
        #expect(markdown.contains("3 repetitions interleaved (medians shown)"))
        #expect(markdown.contains("| p99 vs calibration |"))
    }

    @Test("report refuses missing, truncated and foreign folders with a message")
    func badReportInput() throws {
        let directory = try ScratchDirectory()
        #expect(throws: WorkloadError.self) { try RunFolder(path: directory.file("missing")) }
        try FileManager.default.createDirectory(atPath: directory.file("empty"), withIntermediateDirectories: true)
        do {
            _ = try RunFolder(path: directory.file("empty"))
            Issue.record("an empty folder was accepted")
        } catch {
            #expect(error.message.contains("results.json"), "\(error.message)")
        }
        let plan = try makePlan(try readOnlyScenario(rate: 100, seconds: 2))
        _ = try Self.calibrationRun(serviceMicros: 100, repetitions: 1, into: directory.file("run"), plan: plan)
        let csv = (directory.file("run") as NSString).appendingPathComponent("timeseries.csv")
        try Data("backend,repetition,second\nbroken".utf8).write(to: URL(fileURLWithPath: csv))
        #expect(throws: WorkloadError.self) { try RunFolder(path: directory.file("run")) }
    }

    @Test("SLOs parse as pNN<=time and refuse anything else", arguments: [
        ("p99<=20ms", 99.0, 20.0), ("p99.9 <= 1s", 99.9, 1000.0), ("p50<=500us", 50.0, 0.5),
    ])
    func slo(text: String, percentile: Double, limitMs: Double) throws {
        let slo = try CapacitySearch.SLO(parsing: text)
        #expect(slo.percentile == percentile && abs(slo.limitMs - limitMs) < 1e-9)
    }

    @Test("malformed SLOs are refused", arguments: ["p99<20ms", "99<=20ms", "p100<=1s", "p99<=fast", "p99<=0ms"])
    func badSLO(text: String) {
        #expect(throws: WorkloadError.self) { try CapacitySearch.SLO(parsing: text) }
    }

    @Test("a capacity search finds the calibration backend's known capacity, and says when even the lowest rate fails")
    func capacitySearch() throws {
        // 2 workers, 2 ms per call: at most 1,000 operations/s; a p99 of 20 ms holds well below that.
        let base = try readOnlyScenario(rate: 100, seconds: 2)
        let search = CapacitySearch(
            base: base, phaseIndex: 0, descriptor: try BackendCatalog.backend(named: "calibration"), options: ["service-us": "2000"],
            slo: try CapacitySearch.SLO(parsing: "p99<=20ms"), trialSeconds: 2, workers: 2, seed: 1, say: { _ in })
        let (capacity, trials) = try search.run(startRate: 200, minimumRate: 10, maximumRate: 5000, steps: 3)
        #expect(capacity.passed)
        #expect(capacity.offeredOpsPerSecond > 200 && capacity.offeredOpsPerSecond < 1000, "\(trials)")
        #expect(trials.contains { !$0.passed })

        let hopeless = CapacitySearch(
            base: base, phaseIndex: 0, descriptor: try BackendCatalog.backend(named: "calibration"), options: ["service-us": "30000"],
            slo: try CapacitySearch.SLO(parsing: "p99<=5ms"), trialSeconds: 2, workers: 1, seed: 1, say: { _ in })
        do {
            _ = try hopeless.run(startRate: 20, minimumRate: 10, maximumRate: 100, steps: 2)
            Issue.record("a 30 ms backend met a 5 ms SLO")
        } catch {
            #expect(error.message.contains("cannot meet p99<=5.00ms even at"), "\(error.message)")
        }
    }

    @Test("the bootstrap interval is deterministic and brackets the estimate")
    func bootstrap() {
        let a = [10.0, 11, 9.5, 10.2, 10.4]
        let b = [12.0, 12.5, 11.8, 12.2, 12.1]
        let first = Statistics.bootstrapRelativeChange(baseline: a, candidate: b)
        let second = Statistics.bootstrapRelativeChange(baseline: a, candidate: b)
        #expect(first.low == second.low && first.high == second.high)
        #expect(first.low <= first.estimate && first.estimate <= first.high)
        #expect(first.low > 0.05 && first.high < 0.35)
        #expect(Statistics.median([3, 1, 2]) == 2 && Statistics.median([4, 1, 2, 3]) == 2.5)
    }
}

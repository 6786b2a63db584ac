import Foundation
import Harness
import Orchestration
@testable import Reporting
import StoreCatalog
import SurgeCore
import Testing
import TestSupport
import Workload

@Suite("Compare, report and capacity", .serialized)
struct CompareReportTests {
    /// A small run of the calibration backend (and optionally memory), repeated, written to a folder.
    static func calibrationRun(serviceMicros: Int, repetitions: Int, into path: String, plan: ReplayPlan, withMemory: Bool = false) throws -> ResultsDocument {
        var backends = [(try BackendCatalog.backend(named: "calibration"), BackendOptions(["service-us": "\(serviceMicros)"]))]
        if withMemory { backends.append((try BackendCatalog.backend(named: "memory"), BackendOptions())) }
        var session = BenchmarkSession(plan: plan, backends: backends, replayOptions: ReplayOptions(workers: 2))
        session.repetitions = repetitions
        return try RunResultsWriter.write(session.run(), into: ResultsFolderWriter(path: path), traceFile: nil).document
    }

    @Test("compare: identical runs are no change, a 40% slower backend is a regression, too few repetitions are not judged")
    func comparison() throws {
        let directory = try ScratchDirectory()
        // About 1,400 measured operations a run: p99 rests on 14 beyond it (judged), p99.9 on 1 (shown, not judged).
        let plan = try makePlan(try readOnlyScenario(rate: 800, seconds: 3))
        // The 6 metrics judged (one phase: no busiest second; no bytes written) at 95% family-wise confidence need 5 runs a side.
        // The three sides run interleaved, a repetition each in turn, as CI runs them: a stretch of a loaded machine
        // then falls on every side alike instead of on one side's runs, and the sides are pooled afterwards.
        for repetition in 0..<6 {
            for (side, micros) in [("a", 1000), ("b", 1000), ("c", 1400)] {
                _ = try Self.calibrationRun(serviceMicros: micros, repetitions: 1, into: directory.file("\(side)/r\(repetition)"), plan: plan)
            }
        }
        let baseline = try ResultsDocument.read(runAt: directory.file("a"))
        let same = try ResultsDocument.read(runAt: directory.file("b"))
        let slower = try ResultsDocument.read(runAt: directory.file("c"))
        #expect(Set(baseline.backends.map(\.repetition)) == Set(0..<6))

        // The calibration backend's service time is a sleep: stable enough to judge even on a loaded machine.
        func serviceP50(_ comparison: Comparison) -> Comparison.Row? {
            comparison.rows.first { $0.backend == "calibration" && $0.metric == "service p50 ms" }
        }
        let unchanged = try Comparison(baseline: baseline, candidate: same)
        // The two sides ran one after the other, not interleaved as CI runs them: the process's CPU time per
        // operation (a sleeping backend's is mostly wake-ups) follows the machine's load between them, so it is left
        // out here; every latency and throughput metric must be judged unchanged.
        let judged = unchanged.rows.filter { !$0.metric.hasPrefix("CPU") }
        #expect(!judged.isEmpty && judged.allSatisfy { $0.verdict == .noChange }, "\(unchanged.markdown())")
        #expect(serviceP50(unchanged)?.low != nil, "\(unchanged.markdown())")
        let regressed = try Comparison(baseline: baseline, candidate: slower)
        #expect(regressed.verdict == .regression, "\(regressed.markdown())")
        #expect(serviceP50(regressed)?.verdict == .regression, "\(regressed.markdown())")
        #expect(regressed.markdown().contains("**Regression**"))
        #expect(regressed.machineDifference == nil, "one machine, one probe: \(regressed.markdown())")
        let improved = try Comparison(baseline: slower, candidate: baseline)
        #expect(serviceP50(improved)?.verdict == .improvementOnly, "\(improved.markdown())")

        var few = baseline
        few.backends = baseline.backends.filter { $0.repetition < 3 }
        let unjudged = try Comparison(baseline: few, candidate: slower)
        #expect(unjudged.rows.allSatisfy { $0.verdict == .noChange && $0.judgement.hasPrefix("not judged") && $0.low == nil })
        #expect(unjudged.rows.first?.judgement.contains("need 5 a side") == true, "\(unjudged.markdown())")

        // A tail-only regression: p99 50% worse in every run, the median unchanged. Real and beyond p99's tolerance (25%),
        // it is a regression even if the interval reaches below the tolerance; 15% worse is real but within it.
        // The p99s are set, not measured, so that the rule is tested rather than the machine's noise: a tight spread
        // around the baseline's own median, times `factor`.
        func tail(_ document: ResultsDocument, times factor: Double) -> ResultsDocument {
            var scaled = document
            let spread = [1.0, 1.03, 0.97, 1.02, 0.98, 1.01]
            let (response, service) = (Statistics.median(baseline.backends.map(\.response.p99Ms)), Statistics.median(baseline.backends.map(\.service.p99Ms)))
            for index in scaled.backends.indices {
                scaled.backends[index].response.p99Ms = response * spread[index % spread.count] * factor
                scaled.backends[index].service.p99Ms = service * spread[index % spread.count] * factor
            }
            return scaled
        }
        func row(_ comparison: Comparison, _ metric: String) -> Comparison.Row? {
            comparison.rows.first { $0.backend == "calibration" && $0.metric == metric }
        }
        let tailRegressed = try Comparison(baseline: tail(baseline, times: 1), candidate: tail(same, times: 1.5))
        let p99 = try #require(row(tailRegressed, "response p99 ms"))
        #expect(p99.verdict == .regression && p99.change > 0.25 && (p99.low ?? 0) > 0, "\(tailRegressed.markdown())")
        #expect(row(tailRegressed, "response p50 ms")?.verdict == .noChange)
        // What it could have caught: at least the tolerance, and no more than the 50% it did catch.
        #expect(p99.detectable.map { $0 >= 0.25 && $0 < 0.5 } == true, "detectable \(String(describing: p99.detectable))")
        #expect(tailRegressed.markdown().contains("| detectable |"))
        #expect(row(tailRegressed, "response p99.9 ms")?.judgement.hasPrefix("not judged (1 operations beyond it in a run") == true,
                "\(tailRegressed.markdown())")
        #expect(tailRegressed.judgedMetrics == tailRegressed.rows.count - 1, "p99.9 is not judged")
        let json = String(decoding: try JSONEncoder().encode(tailRegressed), as: UTF8.self)
        #expect(json.contains("\"verdict\":\"regression\"") && json.contains("\"detectable\""))
        let withinTolerance = try Comparison(baseline: tail(baseline, times: 1), candidate: tail(same, times: 1.15))
        #expect(row(withinTolerance, "response p99 ms")?.verdict == .noChange, "\(withinTolerance.markdown())")

        // Lost writes in the candidate are a regression whatever the statistics say.
        var broken = same
        broken.backends[0].integrity.lostMessages = 1
        #expect(try Comparison(baseline: baseline, candidate: broken).verdict == .regression)
        #expect(Comparison.correctnessFailures(of: broken).count == 1 && Comparison.correctnessFailures(of: same).isEmpty)

        // A candidate measured on another machine is called not comparable.
        var elsewhere = same
        elsewhere.environment.probe?.fsyncMedianMicros *= 3
        let moved = try Comparison(baseline: baseline, candidate: elsewhere)
        #expect(moved.machineDifference?.contains("disk sync latency") == true)
        #expect(moved.markdown().contains("**not comparable**"))

        // Runs of another trace are refused.
        var other = same
        other.configuration.traceDigest = "0000000000000000"
        #expect(throws: BenchmarkError.self) { try Comparison(baseline: baseline, candidate: other) }
        other.configuration.scenario = "elsewhere"
        other.configuration.scenarioDigest = "1"
        #expect(throws: BenchmarkError.self) { try Comparison(baseline: baseline, candidate: other) }
    }

    @Test("tables name each column's class, warn above a mixed one and keep ratios within a class; compare refuses across classes")
    func durabilityClasses() throws {
        let directory = try ScratchDirectory()
        let plan = try makePlan(try readOnlyScenario(rate: 200, seconds: 2))
        var run = try Self.calibrationRun(serviceMicros: 200, repetitions: 1, into: directory.file("run"), plan: plan, withMemory: true)
        #expect(run.backends.allSatisfy { $0.durabilityClass == DurabilityClass.none && $0.durability == nil })
        #expect(ResultsTables.tables(run)[0].header == ["", "calibration (reference, none)", "memory (reference, none)"])
        // Three stores as if run in modes of two classes (the calibration run twice under other names).
        var third = run.backends[0]
        third.backend = "third"
        run.backends.append(third)
        func set(_ index: Int, _ mode: String, _ durabilityClass: DurabilityClass?) {
            run.backends[index].durability = mode
            run.backends[index].durabilityClass = durabilityClass
        }
        set(0, "full", .power)
        set(2, "normal", .process)
        var table = ResultsTables.tables(run)[0]
        #expect(table.header == ["", "calibration (power)", "memory (reference, none)", "third (process)"])
        #expect(table.warning?.contains("Mixed durability classes:** calibration power, third process") == true)
        #expect(ResultsTables.render(run).contains("> **Mixed durability classes"))
        #expect(!table.rows.contains { $0[0].hasPrefix("p99 vs") }, "a ratio across classes, or against the reference")
        set(2, "sync", .power)
        table = ResultsTables.tables(run)[0]
        #expect(table.warning == nil)
        #expect(ResultsTables.headline(run).contains("durability class power"))
        let ratio = try #require(table.rows.first { $0[0] == "p99 vs calibration, same class" })
        #expect(ratio[2] == "-" && ratio[3].hasSuffix("x"), "the reference is not put in a ratio: \(ratio)")
        // Older results: the class is filled in from the mode's declaration, never replacing a recorded one.
        set(2, "normal", nil)
        #expect(ResultsTables.tables(run)[0].warning?.contains("not recorded") == true)
        run.fillUnrecordedClasses { backend, mode in backend == "third" && mode == "normal" ? .process : nil }
        #expect(run.backends[2].durabilityClass == .process && run.backends[0].durabilityClass == .power)

        // compare: the same backend in two classes is refused, naming both; two modes of one class are noted.
        var before = run
        var after = run
        before.backends[0].durability = "normal"
        before.backends[0].durabilityClass = .process
        let refusal = #expect(throws: BenchmarkError.self) { try Comparison(baseline: before, candidate: after) }
        #expect(refusal?.message.contains("calibration keeps different durability promises") == true, "\(refusal?.message ?? "")")
        #expect(refusal?.message.contains("class process vs mode full, class power") == true, "\(refusal?.message ?? "")")
        before.backends[0].durabilityClass = nil
        #expect(throws: BenchmarkError.self) { try Comparison(baseline: before, candidate: after) }
        before.backends[0].durabilityClass = .power
        after.backends[0].durability = "sync"
        #expect(try Comparison(baseline: before, candidate: after).notes.contains { $0.contains("both in class power") })
    }

    @Test("runs made one by one pool into one run of repetitions, and a folder of them reads as one")
    func pooledRuns() throws {
        let directory = try ScratchDirectory()
        let plan = try makePlan(try readOnlyScenario(rate: 200, seconds: 2))
        var documents: [ResultsDocument] = []
        for run in 1...3 {
            documents.append(try Self.calibrationRun(serviceMicros: 200, repetitions: 1, into: directory.file("side/r\(run)"), plan: plan))
        }
        let pooled = try ResultsDocument.read(runAt: directory.file("side"))
        #expect(pooled.backends.map(\.repetition) == [0, 1, 2])
        #expect(pooled.backends.map(\.achievedPerSecond) == documents.map { $0.backends[0].achievedPerSecond })
        #expect(pooled.environment.probe == MachineProbe.median(documents.compactMap(\.environment.probe)))
        #expect(try ResultsDocument.read(runAt: directory.file("side/r2")).backends.count == 1)

        var other = documents[2]
        other.configuration.traceDigest = "0000000000000000"
        #expect(throws: BenchmarkError.self) { try ResultsDocument.pooled([documents[0], other], names: ["a", "b"]) }
        try FileManager.default.createDirectory(atPath: directory.file("nothing"), withIntermediateDirectories: true)
        #expect(throws: BenchmarkError.self) { try ResultsDocument.read(runAt: directory.file("nothing")) }
    }

    @Test("the report draws a repeated run's three charts and shows the machine probe")
    func report() throws {
        let directory = try ScratchDirectory()
        let plan = try makePlan(try readOnlyScenario(rate: 200, seconds: 2))
        _ = try Self.calibrationRun(serviceMicros: 500, repetitions: 2, into: directory.file("a"), plan: plan, withMemory: true)
        let folder = try ResultsFolder(path: directory.file("a"))
        let html = HTMLReport.render([folder])
        #expect(html.components(separatedBy: "<svg ").count == 4)
        #expect(html.contains("Throughput: offered vs achieved") && html.contains("percentile spectrum"))
        #expect(html.contains("write+fsync") && html.contains("CPU loop"))
        #expect(!html.contains("http://") || html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http"))
        let markdown = ResultsTables.render(folder.document)
        #expect(markdown.contains("2 repetitions interleaved (medians; throughput, p99, peak p99 and recovery also give the range"))
        #expect(!markdown.contains("| p99 vs"), "two references (no durability modes) are not put in a ratio")
        #expect(markdown.contains("disk 4 KiB write+fsync"))
    }

    @Test("a repeated run's tables show the median and the range of throughput, p99, peak p99 and recovery")
    func spread() throws {
        #expect(ResultsTables.spread([72.9]) == "72.9")
        #expect(ResultsTables.spread([88.4, 61.0, 72.9]) == "72.9 (61.0-88.4)")
        #expect(ResultsTables.spread([3639, 3639.2, 3638.9]) == "3639")  // equal as printed: no range
        #expect(ResultsTables.recoverySpread([0.66]) == "0.660 s")
        #expect(ResultsTables.recoverySpread([nil]) == "not recovered")
        #expect(ResultsTables.recoverySpread([1.7, nil, 0.33]) == "1.70 s (0.330 s-not recovered)")
        #expect(ResultsTables.recoverySpread([nil, 0.5, nil]) == "not recovered (0.500 s-not recovered)")
        #expect(ResultsTables.recoverySpread([2, 1]) == "1.50 s (1.00 s-2.00 s)")
        #expect(ResultsTables.recoverySpread([1, nil]) == "not recovered (1.00 s-not recovered)")

        // In a rendered table: three repetitions of one backend whose p99 and recovery differ.
        let directory = try ScratchDirectory()
        let plan = try makePlan(try readOnlyScenario(rate: 200, seconds: 2))
        var document = try Self.calibrationRun(serviceMicros: 200, repetitions: 3, into: directory.file("a"), plan: plan)
        for (index, p99) in [5.0, 9.0, 7.0].enumerated() {
            document.backends[index].response.p99Ms = p99
            document.backends[index].surge.peakPhase = "surge"
            document.backends[index].surge.peakP99Ms = p99 * 2
            document.backends[index].surge.recoverySeconds = [1.0, nil, 3.0][index]
        }
        let markdown = ResultsTables.render(document)
        #expect(markdown.contains("| response p99 ms | 7.00 (5.00-9.00) |"))
        #expect(markdown.contains("| peak p99 ms, x baseline | 14.0 (10.0-18.0), "))
        #expect(markdown.contains("| recovery to 2x baseline p99 | 3.00 s (1.00 s-not recovered) |"))
    }

    @Test("report refuses missing, truncated and foreign folders with a message")
    func badReportInput() throws {
        let directory = try ScratchDirectory()
        #expect(throws: BenchmarkError.self) { try ResultsFolder(path: directory.file("missing")) }
        try FileManager.default.createDirectory(atPath: directory.file("empty"), withIntermediateDirectories: true)
        do {
            _ = try ResultsFolder(path: directory.file("empty"))
            Issue.record("an empty folder was accepted")
        } catch {
            #expect(error.message.contains("results.json"), "\(error.message)")
        }
        let plan = try makePlan(try readOnlyScenario(rate: 100, seconds: 2))
        _ = try Self.calibrationRun(serviceMicros: 100, repetitions: 1, into: directory.file("run"), plan: plan)
        let csv = (directory.file("run") as NSString).appendingPathComponent("timeseries.csv")
        try Data("backend,repetition,second\nbroken".utf8).write(to: URL(fileURLWithPath: csv))
        #expect(throws: BenchmarkError.self) { try ResultsFolder(path: directory.file("run")) }
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
        #expect(throws: BenchmarkError.self) { try CapacitySearch.SLO(parsing: text) }
    }

    @Test("a capacity search finds the calibration backend's known capacity, and says when even the lowest rate fails")
    func capacitySearch() throws {
        // 2 workers, 2 ms per call: at most 1,000 operations/s; a p99 of 20 ms holds well below that.
        let base = try readOnlyScenario(rate: 100, seconds: 2)
        let search = CapacitySearch(
            base: base, phaseIndex: 0, descriptor: try BackendCatalog.backend(named: "calibration"), options: BackendOptions(["service-us": "2000"]),
            slo: try CapacitySearch.SLO(parsing: "p99<=20ms"), trialSeconds: 2, workers: 2, seed: 1, say: { _ in })
        let (capacity, trials, settings) = try search.run(startRate: 200, minimumRate: 10, maximumRate: 5000, steps: 3)
        #expect(capacity.passed)
        #expect(capacity.offeredOpsPerSecond > 200 && capacity.offeredOpsPerSecond < 1000, "\(trials)")
        #expect(trials.contains { !$0.passed })
        #expect(settings == .inMemory)

        let hopeless = CapacitySearch(
            base: base, phaseIndex: 0, descriptor: try BackendCatalog.backend(named: "calibration"), options: BackendOptions(["service-us": "30000"]),
            slo: try CapacitySearch.SLO(parsing: "p99<=5ms"), trialSeconds: 2, workers: 1, seed: 1, say: { _ in })
        do {
            _ = try hopeless.run(startRate: 20, minimumRate: 10, maximumRate: 100, steps: 2)
            Issue.record("a 30 ms backend met a 5 ms SLO")
        } catch {
            #expect(error.message.contains("cannot meet p99<=5.00ms even at"), "\(error.message)")
        }
    }

    @Test("the Mann-Whitney null distribution and critical ranks match published tables")
    func rankTest() {
        #expect(Statistics.mannWhitneyDistribution(3, 3) == [1, 1, 2, 3, 3, 3, 3, 2, 1, 1])
        #expect(Statistics.mannWhitneyDistribution(5, 5).reduce(0, +) == 252)
        #expect(Statistics.mannWhitneyDistribution(8, 8).reduce(0, +) == 12870)
        // Two-sided 5% critical values of U (reject when U <= value): n = 5, 5: 2; 6, 6: 5; 8, 8: 13; 4, 7: 3.
        #expect(Statistics.mannWhitneyCriticalRank(5, 5, alpha: 0.05) == 3)
        #expect(Statistics.mannWhitneyCriticalRank(6, 6, alpha: 0.05) == 6)
        #expect(Statistics.mannWhitneyCriticalRank(8, 8, alpha: 0.05) == 14)
        #expect(Statistics.mannWhitneyCriticalRank(4, 7, alpha: 0.05) == 4)
        #expect(Statistics.mannWhitneyCriticalRank(3, 3, alpha: 0.05) == 0)
        #expect(Statistics.runsNeeded(confidence: 0.95) == 4)
        #expect(Statistics.median([3, 1, 2]) == 2 && Statistics.median([4, 1, 2, 3]) == 2.5)
    }

    @Test("the rank interval brackets the estimate, ignores one outlying run, and is unbounded with too few runs")
    func relativeChange() throws {
        let baseline = [10.0, 11, 9.5, 10.2, 10.4, 9.9, 10.1]
        let slower = baseline.map { $0 * 1.25 }
        let change = Statistics.relativeChange(baseline: baseline, candidate: slower, confidence: 0.99)
        let low = try #require(change.low)
        let high = try #require(change.high)
        #expect(abs(change.estimate - 0.25) < 1e-9)
        #expect(low <= change.estimate && change.estimate <= high && low > 0.05 && high < 0.5)

        // One run of the candidate three times slower barely moves the estimate, and the interval still holds 0.
        var outlier = baseline.reversed().map { $0 }
        outlier[3] *= 3
        let noisy = Statistics.relativeChange(baseline: baseline, candidate: outlier, confidence: 0.99)
        #expect(abs(noisy.estimate) < 0.05 && (noisy.low ?? 1) < 0 && (noisy.high ?? -1) > 0, "\(noisy)")
        #expect(Statistics.relativeChange(baseline: [1, 2, 3], candidate: [4, 5, 6], confidence: 0.95).low == nil)
    }

    @Test("the machine probe measures the disk and the CPU, and tells different machines apart")
    func machineProbe() throws {
        let directory = try ScratchDirectory()
        let probe = try #require(MachineProbe.measure(directory: directory.path, diskSeconds: 0.1))
        #expect(probe.fsyncMedianMicros > 0 && probe.fsyncsPerSecond > 0 && probe.cpuLoopMillis > 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "the probe's file is removed")
        #expect(MachineProbe.measure(directory: directory.file("missing"), diskSeconds: 0.1) == nil)
        #expect(probe.difference(from: probe) == nil)
        var slowDisk = probe
        slowDisk.fsyncMedianMicros *= 2.5
        #expect(slowDisk.difference(from: probe)?.contains("disk sync latency") == true)
        var slowCPU = probe
        slowCPU.cpuLoopMillis *= 1.6
        #expect(slowCPU.difference(from: probe)?.contains("CPU loop") == true)
        #expect(MachineProbe.storeDirectory(forPath: "/data/stores/run1") == "/data/stores")
    }
}

import Foundation
@testable import Harness
import MemoryStore
@testable import Reporting
import SurgeCore
import Testing
import TestSupport
import Workload

@Suite("Hardening: bad input refused before any work")
struct HardeningTests {
    private let smoke = try! BuiltInScenarios.scenario(named: "smoke")

    private func refused(_ yaml: String, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try Scenario.load(yaml: yaml, source: "'test'")
            Issue.record("accepted a scenario that should be refused with '\(expected)'", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.contains(expected), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test("numbers no scenario can mean are refused with the field and its range, never a trap")
    func absurdNumbers() {
        func edited(_ change: (inout Scenario) -> Void) -> String {
            var scenario = smoke
            change(&scenario)
            return scenario.yaml()
        }
        let yaml = smoke.yaml()
        #expect(yaml.contains("duration: 1s") && yaml.contains("thinkTime: 100ms"), "\(yaml)")
        refused(edited { $0.phases[0].rate.from = 1e308 }, "rate must be from 0 to")
        // Each names its key, as the other scenario errors do.
        refused(yaml.replacingOccurrences(of: "duration: 1s", with: "duration: 1e300"), "phases[0].duration: a time span must be from 0 to")
        refused(yaml.replacingOccurrences(of: "duration: 1s", with: "duration: 100000h"), "phases[0].duration: '100000h' is not a time span")
        refused(yaml.replacingOccurrences(of: "thinkTime: 100ms", with: "thinkTime: 1e30"), ".thinkTime: a time span must be from 0 to")
        refused(edited { $0.newcomers.greetings = 1_000_000 }, "greetings must be from 0 to 100")
        refused(edited { $0.description = String(repeating: "x", count: 5000) }, "description must be at most")
        refused(edited { $0.population.users = 10_000_000; $0.population.directChatsPerUser = 1000 }, "chats, more than")
        refused(edited { scenario in for index in scenario.phases.indices { scenario.phases[index].rate = RateCurve(shape: .constant, from: 0) } },
                "every phase's rate is zero")
        #expect(TimeSpan(parsing: "1e300s") == nil && TimeSpan(parsing: "nan") == nil)
        #expect(TimeSpan(seconds: .infinity) == TimeSpan.maximum && TimeSpan(seconds: .nan).nanoseconds == 0)
        #expect(throws: BenchmarkError.self) { try smoke.scaled(by: 1000, toDuration: TimeSpan.maximum) }
    }

    @Test("a YAML alias bomb and an oversized file are refused at once")
    func unboundedInput() throws {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            let name = String(UnicodeScalar(UInt8(97 + level)))
            let previous = String(UnicodeScalar(UInt8(96 + level)))
            bomb += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        let started = Date()
        refused(bomb + smoke.yaml(), "expands to more than")
        #expect(Date().timeIntervalSince(started) < 5)
        refused(String(repeating: "# padding\n", count: 120_000) + smoke.yaml(), "more than a scenario's")
    }

    @Test("inputs the fuzz targets found (Tests/Fuzz) are refused with a message")
    func fuzzFindings() throws {
        // YAML allows a sequence or a mapping as a key; Yams' constructor trapped on one (force unwrap).
        refused(smoke.yaml() + "? [a, b]\n: c\n", "keys must be plain names")
        refused("name: x\nphases:\n  - {name: a, duration: 1s}: 1\n", "keys must be plain names")
    }

    @Test("outputs that are empty or not regular files are refused before anything runs")
    func outputs() throws {
        #expect(throws: BenchmarkError.self) { try AtomicFile(path: "/dev/null") }
        #expect(throws: BenchmarkError.self) { try AtomicFile(path: "") }
        #expect(throws: BenchmarkError.self) { try ResultsFolderWriter(path: "") }
        var status = stat()
        #expect(stat("/dev/null", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR, "/dev/null was replaced")
    }

    @Test("a run whose operations mostly failed is invalid, naming the failures; a truncated .hgrm is refused")
    func acceptedWhenItShouldNotBe() throws {
        let directory = try ScratchDirectory()
        let plan = try makePlan(smoke)
        let result = try Replayer.run(MemoryMessageStore(), plan: plan, options: ReplayOptions(workers: 2, mode: .closed))
        #expect(result.invalidReason == nil)
        var record = result.record(shard: .whole)
        let sendFailures = Int(OperationKind.send.rawValue) * WorkerRecorder.categoryCount + ErrorCategory.storeFull.index
        record.schedule.errors[sendFailures] = UInt64(plan.load.scheduledCount / 2)
        let failing = try ReplayResult(merging: [record])
        #expect(failing.invalidReason?.contains("operations failed") == true, "\(failing.invalidReason ?? "valid")")
        let text = WorkerRecorder.makeHistogram().hgrm()
        let path = directory.file("cut.hgrm")
        try String(text.prefix(text.count / 2)).write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: BenchmarkError.self) { try ResultsFolder.parseHGRM(String(text.prefix(text.count / 2)), file: path) }
    }
}

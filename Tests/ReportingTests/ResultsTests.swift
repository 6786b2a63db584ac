import Foundation
import Harness
import Orchestration
import Reporting
import StoreCatalog
import SurgeCore
import Testing
import TestSupport
import Workload

@Suite("Results", .serialized)
struct ResultsTests {
    @Test("a run's outcome kept as a replay record until it is written gives exactly the figures of the replay itself")
    func recordedOutcomeIsLossless() throws {
        let plan = try makePlan(try BuiltInScenarios.scenario(named: "smoke"))
        let memory = try BackendCatalog.backend(named: "memory")
        guard case .measured(let measurement) = FreshStoreReplay.run(memory, options: BackendOptions(), plan: plan,
                                                                      replayOptions: ReplayOptions(workers: 4)) else {
            Issue.record("the memory store did not run")
            return
        }
        guard case .measured(let rebuilt) = try RunOutcome.RecordedOutcome(.measured(measurement), shard: plan.shard).outcome() else {
            Issue.record("the recorded outcome did not come back as measured")
            return
        }
        let original = ResultsDocument.BackendResult(measurement, histogramFiles: [:])
        #expect(ResultsDocument.BackendResult(rebuilt, histogramFiles: [:]) == original)
        for kind in measurement.result.kinds {
            #expect(rebuilt.result.histogram(kind: kind) == measurement.result.histogram(kind: kind), "\(kind)")
        }
    }

    @Test("a smoke run of every backend writes a complete, correct results folder that reads back")
    func smokeRunOfEveryBackend() throws {
        let directory = try ScratchDirectory()
        let plan = try makePlan(try BuiltInScenarios.scenario(named: "smoke"))
        let backends = BackendCatalog.all.map { descriptor in
            (descriptor: descriptor, options: BackendOptions(descriptor.name == "sqlite" ? ["commit": "group"] : [:]))
        }
        let out = directory.file("run")
        let session = BenchmarkSession(plan: plan, backends: backends, replayOptions: ReplayOptions(workers: 4))
        let (document, table) = try RunResultsWriter.write(session.run(), into: ResultsFolderWriter(path: out), traceFile: nil)
        #expect(document.complete)
        #expect(document.backends.map(\.backend) == BackendCatalog.all.map(\.name))
        for result in document.backends {
            #expect(result.isCorrect, "\(result.backend): \(result.failure ?? "") \(result.integrity.problems)")
            #expect(result.errorCount == 0, "\(result.backend): \(result.errors)")
            #expect(result.completedOperations == UInt64(plan.load.scheduledCount))
            #expect(result.operations.count == OperationKind.allCases.count - 1)  // groups are made in setup only
            #expect(result.response.count > 0 && result.response.p99Ms >= result.response.p50Ms)
            for file in result.histogramFiles.values {
                let text = try String(contentsOfFile: (out as NSString).appendingPathComponent(file), encoding: .utf8)
                #expect(text.contains("Percentile") && text.contains("#[Max"))
            }
        }
        // Settings and sizes come from the stores themselves.
        #expect(document.backends.first { $0.backend == "sqlite" }?.commit == "group")
        #expect(document.backends.first { $0.backend == "lmdb" }.map { [$0.durability, $0.commit] } == ["sync", "per-op"])
        for result in document.backends {
            let descriptor = try BackendCatalog.backend(named: result.backend)
            #expect((result.storeBytesOnDisk ?? 0 > 0) == (descriptor.location != .inProcess), "\(result.backend)")
        }
        #expect(table.contains("| lost writes |" + String(repeating: " 0 |", count: BackendCatalog.all.count)))
        let read = try ResultsDocument.read(path: (out as NSString).appendingPathComponent("results.json"))
        #expect(read == document)
        let csv = try String(contentsOfFile: (out as NSString).appendingPathComponent("timeseries.csv"), encoding: .utf8)
        #expect(csv.hasPrefix(TimeSeriesCSV.header))
        #expect(csv.split(separator: "\n").count == 1 + BackendCatalog.all.count * plan.load.offeredPerSecond.count)
        // Nothing half-written is left beside the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["run"])
    }

    @Test("a backend that cannot open, or whose directory is not empty, is reported as failed; the others still run")
    func failingBackend() throws {
        let directory = try ScratchDirectory()
        let plan = try makePlan(try BuiltInScenarios.scenario(named: "smoke"))
        let blocker = directory.file("not-a-directory")
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let session = BenchmarkSession(
            plan: plan,
            backends: [(try BackendCatalog.backend(named: "lmdb"), BackendOptions(["path": blocker])),
                       (try BackendCatalog.backend(named: "sqlite"), BackendOptions(["path": directory.path])),
                       (try BackendCatalog.backend(named: "memory"), BackendOptions())],
            replayOptions: ReplayOptions(workers: 2))
        let (document, _) = try RunResultsWriter.write(session.run(), into: ResultsFolderWriter(path: directory.file("run")), traceFile: nil)
        #expect(!document.complete)
        #expect(document.backends[0].failure?.contains("is a file") == true)
        #expect(document.backends[1].failure?.contains("is not empty") == true, "a store never starts on earlier data")
        #expect(document.backends[2].isCorrect)
    }

    @Test("results files that are missing, truncated, foreign or of another schema version are refused")
    func badResultsFiles() throws {
        let directory = try ScratchDirectory()
        func refused(_ text: String?, _ expected: String) {
            let path = directory.file(UUID().uuidString)
            if let text { try? Data(text.utf8).write(to: URL(fileURLWithPath: path)) }
            do {
                _ = try ResultsDocument.read(path: path)
                Issue.record("accepted a bad results file (\(expected))")
            } catch {
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
        refused(nil, "no such file")
        refused("{\"schema\": \"surgebench-res", "not JSON")
        refused("{\"schema\": \"other-tool\", \"schemaVersion\": 1}", "not a SurgeBench results file")
        refused("{\"schema\": \"surgebench-results\", \"schemaVersion\": 99}", "schema version 99")
    }

    @Test("secrets in options never reach the results", arguments: [
        (["password": "hunter2"], "hunter2"),
        (["url": "postgres://bench:hunter2@db:5432/chat"], "hunter2"),
        (["conninfo": "host=db password=hunter2 sslmode=off"], "hunter2"),
        (["dsn": "db?user=x&password=hunter2&x=1"], "hunter2"),
        (["command": "python3 driver.py --password hunter2 --port 5"], "hunter2"),
        (["command": "./driver --api-key=hunter2"], "hunter2"),
    ])
    func redaction(options: [String: String], secret: String) {
        let redacted = Redaction.redact(options)
        #expect(!redacted.values.joined().contains(secret), "\(redacted)")
        #expect(redacted.keys == options.keys)
    }
}

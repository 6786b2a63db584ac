import Foundation
import Harness
import Reporting
import StoreCatalog
import SurgeCore
import Testing
import Workload

@Suite("Results", .serialized)
struct ResultsTests {
    @Test("a smoke run of every backend writes a complete, correct results folder that reads back")
    func smokeRunOfEveryBackend() throws {
        let directory = try ScratchDirectory()
        let plan = try makePlan(try BuiltInScenarios.scenario(named: "smoke"))
        let backends = BackendCatalog.all.map { descriptor in
            (descriptor: descriptor, options: descriptor.name == "sqlite" ? ["commit": "group", "password": "hunter2"].filter { $0.key == "commit" } : [:])
        }
        let out = directory.file("run")
        let run = BenchmarkRun(plan: plan, traceFile: nil, backends: backends, replayOptions: ReplayOptions(workers: 4), say: { _ in })
        let (document, table) = try run.execute(into: ResultsFolder(path: out))
        #expect(document.complete)
        #expect(document.backends.map(\.backend) == BackendCatalog.all.map(\.name))
        for result in document.backends {
            #expect(result.isCorrect, "\(result.backend): \(result.failure ?? "") \(result.integrity.problems)")
            #expect(result.errorCount == 0, "\(result.backend): \(result.errors)")
            #expect(result.completedOperations == UInt64(plan.scheduledCount))
            #expect(result.operations.count == OperationKind.allCases.count - 1)  // groups are made in setup only
            #expect(result.response.count > 0 && result.response.p99Ms >= result.response.p50Ms)
            for file in result.histogramFiles.values {
                let text = try String(contentsOfFile: (out as NSString).appendingPathComponent(file), encoding: .utf8)
                #expect(text.contains("Percentile") && text.contains("#[Max"))
            }
        }
        #expect(document.backends.first { $0.backend == "sqlite" }?.commit == "group")
        #expect(table.contains("| lost writes | 0 | 0 | 0 | 0 |"))
        let read = try ResultsDocument.read(path: (out as NSString).appendingPathComponent("results.json"))
        #expect(read == document)
        let csv = try String(contentsOfFile: (out as NSString).appendingPathComponent("timeseries.csv"), encoding: .utf8)
        #expect(csv.hasPrefix(TimeSeriesCSV.header))
        #expect(csv.split(separator: "\n").count == 1 + BackendCatalog.all.count * plan.offeredPerSecond.count)
        // Nothing half-written is left beside the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["run"])
    }

    @Test("a backend that cannot open is reported as failed, the others still run, and the folder is complete")
    func failingBackend() throws {
        let directory = try ScratchDirectory()
        let plan = try makePlan(try BuiltInScenarios.scenario(named: "smoke"))
        let blocker = directory.file("not-a-directory")
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let run = BenchmarkRun(
            plan: plan, traceFile: nil,
            backends: [(try BackendCatalog.backend(named: "lmdb"), ["path": blocker]), (try BackendCatalog.backend(named: "memory"), [:])],
            replayOptions: ReplayOptions(workers: 2), say: { _ in })
        let (document, _) = try run.execute(into: ResultsFolder(path: directory.file("run")))
        #expect(!document.complete)
        #expect(document.backends[0].failure?.contains("is a file") == true)
        #expect(document.backends[1].isCorrect)
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
    ])
    func redaction(options: [String: String], secret: String) {
        let redacted = Redaction.redact(options)
        #expect(!redacted.values.joined().contains(secret), "\(redacted)")
        #expect(redacted.keys == options.keys)
    }
}

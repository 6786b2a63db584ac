import Conformance
import Foundation
import Harness
import Orchestration
@testable import PostgresStore
import Reporting
import StoreCatalog
import Synchronization
import SurgeCore
import Testing
import TestSupport
import Workload

/// The PostgreSQL backend against real servers it starts itself (Unix sockets in scratch directories): a standby,
/// passwords, too few connections, and a server killed mid-run.
@Suite("PostgreSQL", .serialized)
struct PostgresTests {
    static let postgres = try! BackendCatalog.backend(named: "postgres")

    func smokePlan(seconds: Double) throws -> ReplayPlan {
        try TracePlanning.plan(try BuiltInScenarios.scenario(named: "smoke").scaled(by: 1, toDuration: TimeSpan(seconds: seconds)),
                               seed: 42, scale: 1)
    }

    @Test("replicated: a real standby streams every acknowledged write, and results record it")
    func replicatedStandbyHasEveryWrite() throws {
        let directory = try ScratchDirectory()
        let store = try Self.postgres.open(BackendOptions(["path": directory.path, "durability": "replicated"]))
        defer { store.close() }
        let connection = try store.connect()
        let first = try connection.register(phone: PhoneNumber("+15550000001"), displayName: "a").user
        let second = try connection.register(phone: PhoneNumber("+15550000002"), displayName: "b").user
        let chat = try connection.directChat(between: first, and: second)
        for id in 1...20 as ClosedRange<UInt64> { _ = try connection.send([1, 2, 3], to: chat, from: first, clientMessageID: id) }
        let settings = store.statistics().settings ?? [:]
        #expect(settings["synchronous_standbys"] == "1", "\(settings)")
        #expect(settings["synchronous_commit"] == "on", "\(settings)")
        // The commits waited for the standby's flush; its replay follows within moments.
        let standby = try PostgresDatabase(connectionString: "host=\(directory.file("standby-run")) port=5432 user=surgebench dbname=postgres")
        var onStandby = ""
        for _ in 0..<100 {
            onStandby = standby.text("SELECT count(*) FROM surgebench.messages") ?? ""
            if onStandby == "20" { break }
            usleep(100_000)
        }
        #expect(onStandby == "20")
        #expect(standby.text("SELECT pg_is_in_recovery()::text") == "true", "a standby, not a copy")
    }

    @Test("a run with a password: a wrong one is refused clearly, and no password reaches results, output or errors")
    func passwordsAreRefusedAndRedacted() throws {
        let directory = try ScratchDirectory()
        let hba = directory.file("hba.conf")
        try "local all surgebench trust\nlocal replication all trust\nlocal all bench scram-sha-256\n".write(toFile: hba, atomically: true, encoding: .utf8)
        let server = try PostgresServer(requestedPath: directory.file("server"), settings: ["hba_file": "'\(hba)'"])
        defer { server.stop() }
        let admin = try PostgresDatabase(connectionString: server.connectionString)
        try admin.execute("CREATE ROLE bench LOGIN PASSWORD 'right-horse-77'; GRANT CREATE ON DATABASE postgres TO bench")
        let socket = directory.file("server/run")
        let right = BackendOptions(["url": "postgresql://bench:right-horse-77@/postgres?host=\(socket)"])
        let wrong = BackendOptions(["url": "postgresql://bench:wrong-battery-88@/postgres?host=\(socket)"])
        let lines = Mutex<[String]>([])
        let session = BenchmarkSession(plan: try smokePlan(seconds: 2), backends: [(Self.postgres, right), (Self.postgres, wrong)],
                                       replayOptions: ReplayOptions(workers: 2), say: { line in lines.withLock { $0.append(line) } })
        let out = directory.file("run")
        let (document, table) = try RunResultsWriter.write(session.run(), into: ResultsFolderWriter(path: out), traceFile: nil)
        #expect(document.backends[0].isCorrect, "\(document.backends[0].failure ?? "")")
        let failure = document.backends[1].failure ?? ""
        #expect(failure.contains("password authentication failed"), "\(failure)")
        var published = lines.withLock { $0.joined(separator: "\n") } + table
        for file in try FileManager.default.contentsOfDirectory(atPath: out) {
            published += try String(contentsOfFile: (out as NSString).appendingPathComponent(file), encoding: .utf8)
        }
        #expect(!published.contains("right-horse-77"))
        #expect(!published.contains("wrong-battery-88"))
        #expect(published.contains("<redacted>"))
    }

    @Test("a server with fewer connections than workers, or without a standby for replicated, is refused with what to change")
    func tooFewConnectionsAndNoStandby() throws {
        let directory = try ScratchDirectory()
        let server = try PostgresServer(requestedPath: directory.path, settings: ["max_connections": "4", "superuser_reserved_connections": "0"])
        defer { server.stop() }
        let url = BackendOptions(["url": server.connectionString])
        let outcome = FreshStoreReplay.run(Self.postgres, options: url, plan: try smokePlan(seconds: 2), replayOptions: ReplayOptions(workers: 8))
        guard case .failed(_, _, let reason) = outcome else {
            Issue.record("8 workers ran on a server that allows 4 connections")
            return
        }
        #expect(reason.contains("lower --workers") && reason.contains("max_connections"), "\(reason)")
        #expect {
            try Self.postgres.open(BackendOptions(["url": server.connectionString, "durability": "replicated"]))
        } throws: { error in
            (error as? StoreError)?.kind == .cannotOpen && (error as? StoreError)?.message.contains("synchronous_standby_names is empty") == true
        }
    }

    @Test("a server killed mid-run: operations fail as counted errors, the run ends on time, its figures are kept, and the store is unverified")
    func serverKilledMidRun() throws {
        let directory = try ScratchDirectory()
        let scenario = try BuiltInScenarios.scenario(named: "smoke").scaled(by: 1, toDuration: TimeSpan(seconds: 10))
        let plan = try TracePlanning.plan(scenario, seed: 42, scale: 1)
        let killer = Thread {
            // The cluster lives in the scratch directory (path=), so its postmaster.pid names the server.
            for _ in 0..<200 {
                usleep(50_000)
                if let text = try? String(contentsOfFile: directory.file("data/postmaster.pid"), encoding: .utf8),
                   let pid = text.split(separator: "\n").first.flatMap({ Int32($0) }) {
                    sleep(4)  // the population is built (about a second) and the schedule is running
                    kill(pid, SIGKILL)
                    return
                }
            }
        }
        killer.start()
        let started = Date()
        let outcome = FreshStoreReplay.run(
            try BackendCatalog.backend(named: "postgres"), options: BackendOptions(["path": directory.path]), plan: plan,
            replayOptions: ReplayOptions(workers: 4))
        guard case .measured(let measurement) = outcome else {
            Issue.record("the run's figures were not kept: \(outcome)")
            return
        }
        #expect(Date().timeIntervalSince(started) < 60, "nothing hangs")
        #expect(measurement.result.errorCount > 0)
        #expect(measurement.result.integrity.unverifiable != nil)
        #expect(!measurement.result.integrity.isIntact)
    }
}

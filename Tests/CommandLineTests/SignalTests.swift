import Foundation
import Reporting
import StoreSupport
import Testing
import TestSupport

@Suite("Signals", .serialized)
struct SignalTests {
    /// Starts `surgebench arguments`, sends SIGTERM after `seconds`, and returns its exit status and stderr.
    private func terminated(_ arguments: [String], after seconds: Double, in directory: ScratchDirectory) throws -> (status: Int32, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path("surgebench"))
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        let temporary = directory.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporary]) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        Thread.sleep(forTimeInterval: seconds)
        process.terminate()  // SIGTERM
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "surgebench was killed by the signal instead of handling it")
        return (process.terminationStatus, text)
    }

    @Test("SIGTERM stops a run like Ctrl-C: what ran is written, marked incomplete, stores removed, exit 143")
    func runStops() throws {
        let directory = try ScratchDirectory()
        let (status, errors) = try terminated(["run", "--scenario", "smoke", "--duration", "30s", "--backends", "sqlite", "--out", "out"],
                                              after: 4, in: directory)
        #expect(status == 143, "\(errors)")
        let document = try ResultsDocument.read(path: directory.file("out/results.json"))
        #expect(!document.complete && document.backends.first?.interrupted == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("tmp")).isEmpty, "a store or trace was left behind")
    }

    @Test("SIGTERM stops generate without leaving a partial trace, exit 143")
    func generateStops() throws {
        let directory = try ScratchDirectory()
        let (status, errors) = try terminated(["generate", "--scenario", "outage-2021", "--scale", "100", "--duration", "600s",
                                               "--out", "big.trace"], after: 2, in: directory)
        #expect(status == 143, "\(errors)")
        #expect(errors.contains("interrupted"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["tmp"], "generate left a file behind")
    }
}

extension SignalTests {
    @Test("a second Ctrl-C or a SIGTERM during a crash run on PostgreSQL (a kill or a failover) leaves no server, no scratch folder and no trace behind",
          arguments: [("process", "local", [SIGINT, SIGINT]), ("process", "local", [SIGTERM]), ("failover", "replicated", [SIGTERM])])
    func signalDuringCrash(kind: String, durability: String, signals: [Int32]) throws {
        let directory = try ScratchDirectory()
        // A short folder: PostgreSQL's socket path (in the store's folder) must stay under 108 bytes.
        let temporary = try StoreDirectory.makeTemporary(prefix: "sb", under: "/tmp")
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        chmod(temporary, 0o755)  // the server's own user works in there
        let (pid, log) = try BuiltProducts.startSurgebench(
            ["crash", "--backend", "postgres", "--option", "durability=\(durability)", "--kind", kind, "--crashes", "5", "--out", "out"], in: directory,
            environment: ["TMPDIR": temporary])
        // Every process whose command line names the scratch folder (a server, a crash child), from /proc.
        let servers = {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { process in
                ((try? String(contentsOfFile: "/proc/\(process)/cmdline", encoding: .utf8)) ?? "").contains(temporary)
            }
        }
        // While a server runs (its postmaster.pid is there): both watchdogs, the scratch folder's and the server's, race
        // at the exit.
        let running = {
            let walker = FileManager.default.enumerator(atPath: temporary)
            while let file = walker?.nextObject() as? String { if file.hasSuffix("data/postmaster.pid") { return true } }
            return false
        }
        // Seen once is enough: the crash run stops and restarts its server, so the pid file comes and goes.
        #expect(eventually(60, running), "the crash run's server never started: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        sleep(3)
        for signal in signals {
            kill(pid, signal)
            usleep(300_000)
        }
        _ = ChildProcess.wait(for: pid)
        let left = { (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] }
        _ = eventually(15) { servers().isEmpty && left().isEmpty }
        #expect(servers().isEmpty, "a PostgreSQL server outlived the crash run")
        #expect(left().isEmpty, "left behind: \(left())")
        #expect(!FileManager.default.fileExists(atPath: directory.file("out/crash.json")), "an interrupted crash run wrote results")
    }
}

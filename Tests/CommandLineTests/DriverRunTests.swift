import Foundation
import Reporting
import StoreSupport
import Testing
import TestSupport

/// A run on a driver, seen from outside: what it writes, and that neither a signal nor kill -9 of SurgeBench leaves the
/// driver or its files behind.
@Suite("Driver runs", .serialized)
struct DriverRunTests {
    /// The processes whose environment mentions `text` (a driver carries its store directory there).
    private func processes(mentioning text: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
            guard Int32(pid) != getpid(), let environment = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")) else { return false }
            return String(decoding: environment, as: UTF8.self).contains(text)
        }
    }

    @Test("a run on the Python driver beside sqlite writes both, the driver's cost as the server part, and loses nothing")
    func runOnDriver() throws {
        let directory = try ScratchDirectory()
        let (status, output) = try BuiltProducts.surgebench(
            ["run", "--scenario", "smoke", "--backends", "external,sqlite", "--option", "external.command=python3 "
                + FileManager.default.currentDirectoryPath + "/Sources/Drivers/python-sqlite/driver.py --password hunter2", "--out", "out"],
            in: directory)
        #expect(status == 0, "\(output)")
        let document = try ResultsDocument.read(path: directory.file("out/results.json"))
        #expect(document.backends.map(\.backend) == ["external", "sqlite"])
        let driver = try #require(document.backends.first)
        #expect(driver.integrity.isIntact && driver.integrity.lost == 0 && driver.errorCount == 0, "\(driver.integrity)")
        #expect(driver.durabilityClass == .power && driver.durability == "full")
        #expect(driver.cost?.serverCPUMicrosPerOperation ?? 0 > 0, "the driver's CPU is the server part")
        #expect(driver.storeStatistics?.settings?["driver"] == "python-sqlite 1.0")
        #expect((driver.storeStatistics?.driverFloorMicros ?? 0) > 0, "the protocol floor is measured")
        let published = try String(contentsOfFile: directory.file("out/results.json"), encoding: .utf8)
            + String(contentsOfFile: directory.file("out/summary.md"), encoding: .utf8)
        #expect(!published.contains("hunter2"), "a secret in the driver's command reached the results")
        #expect(published.contains("driver protocol floor"))
    }

    @Test("conform passes the null driver and fails a driver that serves registrations only, saying which checks failed")
    func conform() throws {
        let directory = try ScratchDirectory()
        let passed = try BuiltProducts.surgebench(["conform", "--backend", "null"], in: directory)
        #expect(passed.status == 0 && passed.output.contains("All 12 checks passed."), "\(passed.output)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Drivers/misbehaving.py").path
        let failed = try BuiltProducts.surgebench(["conform", "--backend", "external", "--option", "command=python3 \(script) register-only"],
                                                  in: directory)
        #expect(failed.status == 1 && failed.output.contains("FAIL  registering a number twice returns the existing user")
                    && failed.output.contains("checks FAILED"), "\(failed.output)")
    }

    /// Starts a 60-second run on `backend` with its own TMPDIR and waits until its driver runs; returns SurgeBench's pid,
    /// its output file and the TMPDIR.
    private func startRun(on backend: String, in directory: ScratchDirectory) throws -> (pid: pid_t, output: String, temporary: String) {
        let temporary = directory.file("tmp")
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let (pid, output) = try BuiltProducts.startSurgebench(["run", "--scenario", "smoke", "--duration", "60s", "--backends", backend,
                                                              "--out", "out"], in: directory, environment: ["TMPDIR": temporary])
        #expect(eventually(20) { !processes(mentioning: "SURGEBENCH_DRIVER_DIRECTORY=" + temporary).isEmpty }, "the driver never started")
        return (pid, output, temporary)
    }

    @Test("kill -9 of SurgeBench mid-run: the watchdog stops the driver and removes its socket and store")
    func killedMidRun() throws {
        let directory = try ScratchDirectory()
        let (pid, _, temporary) = try startRun(on: "memory-c", in: directory)
        kill(pid, SIGKILL)
        _ = ChildProcess.wait(for: pid)
        #expect(eventually(10) { processes(mentioning: "SURGEBENCH_DRIVER_DIRECTORY=" + temporary).isEmpty }, "the driver outlived SurgeBench")
        // The driver's socket folder and its temporary store (the run's own trace file is another matter: it stays).
        let driverFiles = { ((try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []).filter { !$0.hasSuffix(".trace") } }
        #expect(eventually(10) { driverFiles().isEmpty }, "left behind: \(driverFiles())")
    }

    @Test("SIGTERM mid-run on a driver: results marked incomplete, exit 143, the driver closed")
    func terminatedMidRun() throws {
        let directory = try ScratchDirectory()
        let (pid, log, temporary) = try startRun(on: "python-sqlite", in: directory)
        sleep(2)
        kill(pid, SIGTERM)
        let status = ChildProcess.wait(for: pid)
        #expect((status >> 8) & 0xff == 143, "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        let document = try ResultsDocument.read(path: directory.file("out/results.json"))
        #expect(!document.complete)
        #expect(processes(mentioning: "SURGEBENCH_DRIVER_DIRECTORY=" + temporary).isEmpty, "the driver outlived the run")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? []).isEmpty, "a store or socket was left behind")
    }
}

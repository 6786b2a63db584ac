import Foundation
import Reporting
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

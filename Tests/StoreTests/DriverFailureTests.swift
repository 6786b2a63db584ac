import Conformance
import ExternalStore
import Foundation
import StoreCatalog
import StoreSupport
import SurgeCore
import Testing
import TestSupport

/// A driver that misbehaves gets an error naming it and what went wrong, never a hang, and leaves nothing running.
@Suite("Driver failures", .serialized)
struct DriverFailureTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Drivers/misbehaving.py").path

    /// The external backend running the misbehaving driver in `mode`.
    private func options(_ mode: String, _ extra: [String] = []) -> [String] {
        ["command=python3 \(Self.script) \(mode)"] + extra
    }

    private func open(_ mode: String, _ extra: [String] = []) throws -> any MessageStore {
        let descriptor = try BackendCatalog.backend(named: "external", options: options(mode, extra))
        return try descriptor.open(OptionAssignment.assign(options(mode, extra), to: [descriptor])["external"]!)
    }

    /// No process of the misbehaving driver is left.
    private func expectNothingLeft(sourceLocation: SourceLocation = #_sourceLocation) {
        usleep(200_000)
        let left = ProcessTree.processes(commandStartingWith: "python3").filter { pid in
            let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            return command.contains("misbehaving.py")
        }
        #expect(left.isEmpty, "a misbehaving driver is still running: \(left)", sourceLocation: sourceLocation)
    }

    @Test("a driver that exits at start, never listens, speaks another version or sends no description is named with what went wrong",
          arguments: [
              ("exit-at-start", "exited with status 3 before it accepted a connection"),
              ("no-listen", "did not accept a connection"),
              ("wrong-version", "speaks protocol version 99; this SurgeBench speaks version 1"),
              ("bad-json", "its HELLO reply is not the description"),
          ])
    func refusedAtStart(mode: String, expected: String) {
        let error = expectInputError { try BackendCatalog.backend(named: "external", options: options(mode, ["start-timeout=700ms"])) }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("python3") == true, "the message does not name the driver: \(error?.message ?? "")")
        if mode == "exit-at-start" { #expect(error?.message.contains("giving up at once") == true, "the driver's output is not shown") }
        expectNothingLeft()
    }

    @Test("replies that break the protocol fail the call in doubt and name the rule broken", arguments: [
        ("oversized", "announces a frame of 2147483647 bytes"),
        ("malformed", "ends early"),
        ("unknown-kind", "unknown error kind 99"),
    ])
    func brokenReplies(mode: String, expected: String) throws {
        let store = try open(mode)
        defer { store.close() }
        let error = expectStoreError(.engine) { try store.connect().register(phone: phone(1_555_000_001), displayName: "x") }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.leavesOutcomeInDoubt == true)
        store.close()
        expectNothingLeft()
    }

    @Test("a call past call-timeout fails as in doubt and the store still closes")
    func hangingCall() throws {
        let store = try open("hang-send", ["call-timeout=300ms"])
        let connection = try store.connect()
        let started = MonotonicClock.now()
        let error = expectStoreError(.unavailable) { try connection.send([1], to: ChatID(1), from: UserID(1), clientMessageID: 1) }
        #expect(MonotonicClock.now() - started < 5_000_000_000)
        #expect(error?.message.contains("did not answer SEND within 300ms") == true, "\(error?.message ?? "")")
        #expect(error?.leavesOutcomeInDoubt == true)
        store.close()
        expectNothingLeft()
    }

    @Test("a driver that exits mid-run: the call in flight and every later one fail naming its exit")
    func exitMidRun() throws {
        let store = try open("exit-on-second-register")
        defer { store.close() }
        let connection = try store.connect()
        _ = try connection.register(phone: phone(1_555_000_001), displayName: "a")
        let error = expectStoreError(.unavailable) { try connection.register(phone: phone(1_555_000_002), displayName: "b") }
        #expect(error?.message.contains("exited with status 4") == true && error?.message.contains("exiting mid-run") == true,
                "\(error?.message ?? "")")
        expectStoreError(.unavailable) { try connection.register(phone: phone(1_555_000_003), displayName: "c") }
        store.close()
        expectNothingLeft()
    }

    @Test("a driver that ignores CLOSE is killed with what it started")
    func ignoredClose() throws {
        let store = try open("ignore-close")
        _ = try store.connect().register(phone: phone(1_555_000_001), displayName: "a")
        store.close()
        expectNothingLeft()
        let sleepers = ProcessTree.processes(commandStartingWith: "sleep\u{0}3600")
        #expect(sleepers.isEmpty, "the driver's child was left running: \(sleepers)")
    }

    @Test("a driver's error says whether the call happened; the integrity check follows it, not the kind")
    func certaintyDecidesDoubt() {
        #expect(StoreError(.unavailable, "x", definite: true).leavesOutcomeInDoubt == false)
        #expect(StoreError(.invalidArgument, "x", definite: false).leavesOutcomeInDoubt == true)
        #expect(StoreError(.unavailable, "x").leavesOutcomeInDoubt == true, "without a word from the store, the kind decides")
    }

    @Test("conform names the checks a driver fails")
    func conformReportsFailures() throws {
        let descriptor = try BackendCatalog.backend(named: "external", options: options("register-only"))
        let store = { @Sendable () throws -> any MessageStore in
            try descriptor.open(BackendOptions(["command": "python3 \(Self.script) register-only"]))
        }
        let results = ConformanceSuite.checks.map { $0.run(opening: store) }
        #expect(results[0].isEmpty == false, "the registration check passed a driver without USER_BY_PHONE")
        #expect(results.contains { $0.contains { $0.contains("driver 'python3") && $0.contains("not supported by this driver") } },
                "\(results.flatMap { $0 }.prefix(3))")
        expectNothingLeft()
    }
}

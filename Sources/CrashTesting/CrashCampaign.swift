import Foundation
import Harness
import Orchestration
import StoreSupport
import SurgeCore
import Workload

/// Crashes one store again and again in the middle of a surge and checks after each crash that every acknowledged
/// write is still there: the replay runs in a child process (`surgebench crash-child`) that logs each acknowledged
/// write as it happens; the parent kills it at a seeded moment inside the surge phases, reopens the store (timing the
/// recovery) and verifies it against the log. The store carries over from crash to crash; a final check verifies
/// every crash's log again.
public enum CrashCampaign {
    /// What to crash, how and how often.
    public struct Configuration: Sendable {
        public var descriptor: BackendDescriptor
        /// Options as given; `path`, when given, names the store directory (which must be empty), kept afterwards.
        public var options: [String: String]
        /// The durability mode the options select, whose promise the crashes test; nil for a backend without modes.
        public var mode: DurabilityMode?
        public var kind: CrashKind
        public var crashes: Int
        /// Seeds the crash moments.
        public var seed: UInt64
        /// The trace every crash replays (with its own phone numbers, so each adds new users).
        public var tracePath: String
        public var workers: Int
        /// The `surgebench` executable that runs the child.
        public var executable: String
        /// libSurgePowerCut.so, for power cuts.
        public var powerCutLibrary: String?
        /// Where the campaign's temporary directory (store, logs, journals) is made.
        public var temporaryParent = NSTemporaryDirectory()
        /// Ends the campaign early (nothing is kept) when requested.
        public var stop = StopSignal()

        /// Crashes `descriptor`'s store opened with `options` `crashes` times by `kind`, at moments drawn from `seed`,
        /// each crash replaying `tracePath` with `workers` workers in a child `executable`; the mode the options select
        /// is looked up in the descriptor (its promise is what the verdict judges).
        public init(descriptor: BackendDescriptor, options: [String: String], kind: CrashKind, crashes: Int, seed: UInt64, tracePath: String,
                    workers: Int, executable: String, powerCutLibrary: String?) throws(BenchmarkError) {
            self.descriptor = descriptor
            self.options = options
            do throws(StoreError) {
                mode = try descriptor.durabilityMode(in: BackendOptions(options))
            } catch {
                throw BenchmarkError(error)
            }
            self.kind = kind
            self.crashes = crashes
            self.seed = seed
            self.tracePath = tracePath
            self.workers = workers
            self.executable = executable
            self.powerCutLibrary = powerCutLibrary
        }
    }

    /// One crash and what the check after it found.
    public struct Crash: Sendable, Hashable, Codable {
        public var index: Int
        /// When the child was killed, in seconds from the start of its schedule.
        public var killedAtSeconds: Double
        /// Writes the child's log holds as acknowledged (contact imports included).
        public var acknowledgedLogged: Int
        /// Writes the power cut undid (0 for a process kill).
        public var writesUndone: Int
        /// Time to open the store again and answer a first read, in milliseconds; nil when it did not open.
        public var recoveryMillis: Double?
        /// Why the store did not open or could not be read back; nil when it could.
        public var failure: String?
        public var check: CrashCheck
    }

    /// Every crash, and the final check of all their logs.
    public struct Outcome: Sendable, Hashable, Codable {
        public var crashes: [Crash]
        /// Every crash's acknowledged writes verified once more after the last crash; nil when the store was lost.
        public var finalCheck: CrashCheck?
        /// Files the power-cut model could not follow (written through shared mappings; see ``PowerCutJournal``).
        public var unmodelledFiles: [String]

        /// Crashes after which the store did not open, could not be read, or contradicted itself.
        public var corruptCrashes: Int { crashes.count(where: { $0.failure != nil || $0.check.inconsistencies > 0 }) }
        /// All acknowledged writes checked and lost: the final check's count, or the crashes' sum without one.
        public var total: CrashCheck {
            if let finalCheck { return finalCheck }
            var sum = CrashCheck()
            for crash in crashes { sum.add(crash.check) }
            return sum
        }
    }

    /// The phone-number prefix of crash `index`'s users (distinct users in one store).
    public static func phoneNamespace(crash index: Int) -> String { String(format: "6%04d", index) }

    /// The most crashes one campaign makes (phone namespaces are four digits).
    public static let maximumCrashes = 10_000

    /// Runs the campaign; `note` receives a line per crash. Throws when the child cannot run at all or on Ctrl-C.
    public static func run(_ configuration: Configuration, note: (String) -> Void) throws(BenchmarkError) -> Outcome {
        let work = try WorkDirectory(under: configuration.temporaryParent)
        defer { work.remove() }
        var storeOptions = configuration.options
        if storeOptions[BackendOption.path.name, default: ""].isEmpty { storeOptions[BackendOption.path.name] = work.file("store") }
        let storePath = storeOptions[BackendOption.path.name]!
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: storePath), !contents.isEmpty {
            throw BenchmarkError("store path '\(storePath)' is not empty; a crash run starts from a fresh store: give an empty or new directory")
        }
        try? FileManager.default.createDirectory(atPath: storePath, withIntermediateDirectories: true)
        if configuration.descriptor.location == .server {
            guard configuration.descriptor.serverProcesses != nil else {
                throw BenchmarkError("\(configuration.descriptor.name) cannot be crashed: SurgeBench cannot find the processes of its server")
            }
            chmod(work.path, 0o711)  // the server's own user keeps its cluster in there
        }
        guard configuration.kind == .process || configuration.powerCutLibrary != nil else {
            throw BenchmarkError("power cuts need libSurgePowerCut.so beside the surgebench executable (built by `swift build`), "
                + "or SURGEBENCH_POWERCUT_LIBRARY naming it")
        }
        let windows = try surgeWindows(configuration.tracePath)
        var random = SeededRandom(seed: configuration.seed ^ 0x6372_6173_6800_0000)
        var crashes: [Crash] = []
        var unmodelled = Set<String>()
        for index in 0..<configuration.crashes {
            if configuration.stop.isRequested { throw BenchmarkError.interrupted("nothing written") }
            let killAt = windows.point(at: random.unit())
            var crash = try crashOnce(index, killAt: killAt, configuration: configuration, storeOptions: storeOptions, work: work,
                                      unmodelled: &unmodelled)
            crash.check.problems = crash.check.problems.map { "crash \(index + 1): \($0)" }
            crashes.append(crash)
            note(describe(crash))
            if crash.failure != nil { break }  // a store that does not open cannot be crashed again
        }
        var finalCheck: CrashCheck?
        if crashes.last?.failure == nil {
            finalCheck = try verifyAll(crashes.count, configuration: configuration, storeOptions: storeOptions, work: work)
        }
        return Outcome(crashes: crashes, finalCheck: finalCheck, unmodelledFiles: unmodelled.sorted())
    }

    /// One line about one crash.
    static func describe(_ crash: Crash) -> String {
        let recovery = crash.recoveryMillis.map { String(format: "reopened in %.0f ms", $0) } ?? "did NOT reopen"
        var line = String(format: "crash %d at %.2f s: ", crash.index + 1, crash.killedAtSeconds)
            + "\(crash.check.acknowledgedChecked) acknowledged writes checked, \(crash.check.lost) lost, "
            + "\(crash.check.inconsistencies) inconsistencies, in flight \(crash.check.inFlightKept) kept / \(crash.check.inFlightDropped) dropped, \(recovery)"
        if crash.writesUndone > 0 { line += ", \(crash.writesUndone) unsynced writes undone" }
        if let failure = crash.failure { line += ": \(failure)" }
        return line
    }

    private static func crashOnce(_ index: Int, killAt: Double, configuration: Configuration, storeOptions: [String: String],
                                  work: WorkDirectory, unmodelled: inout Set<String>) throws(BenchmarkError) -> Crash {
        let log = work.file("acknowledgements-\(index)")
        let journal = work.file("journal-\(index)")
        let output = work.file("child-output")
        var arguments = [configuration.executable, "crash-child", "--backend", configuration.descriptor.name, "--trace", configuration.tracePath,
                         "--crash", String(index), "--acknowledgements", log, "--workers", String(configuration.workers)]
        for (name, value) in storeOptions.sorted(by: { $0.key < $1.key }) { arguments += ["--option", "\(name)=\(value)"] }
        var environment: [String: String] = [:]
        if configuration.kind == .power, let library = configuration.powerCutLibrary {
            let directory = storeOptions[BackendOption.path.name]!
            environment = PowerCutJournal.environment(library: library, directory: directory, journal: journal)
        }
        try? Data().write(to: URL(fileURLWithPath: output))
        if configuration.kind == .power {
            FileManager.default.createFile(atPath: journal, contents: nil)
            chmod(journal, 0o666)  // a server's processes, under their own user, append to it
        }
        let child = ChildProcess.spawn(arguments, output: output, newSession: false, environment: environment)
        guard child > 0 else { throw BenchmarkError("cannot start the crash child \(configuration.executable)") }
        var reaped = false
        defer { if !reaped { ChildProcess.end(child) } }

        let started = try awaitScheduleStart(child: child, log: log, output: output, stop: configuration.stop)
        MonotonicClock.sleep(until: started + UInt64(killAt * 1e9))
        if configuration.stop.isRequested { throw BenchmarkError.interrupted("nothing written") }
        var status: Int32 = 0
        if waitpid(child, &status, WNOHANG) == child {
            reaped = true
            throw BenchmarkError("the crash child ended before it was killed, \(String(format: "%.2f", killAt)) s into its schedule: "
                + childTail(output))
        }
        // A server crashes first (the process owning the data, with its children), then the client replay stops.
        if let serverProcesses = configuration.descriptor.serverProcesses {
            let owners = serverProcesses(BackendOptions(storeOptions))
            guard !owners.isEmpty else { throw BenchmarkError("the \(configuration.descriptor.name) server was not running at the crash: \(childTail(output))") }
            ProcessTree.killAll(owners)
        }
        kill(child, SIGKILL)
        ChildProcess.wait(for: child)
        reaped = true
        ProcessTree.awaitWatchdogs(of: child)  // a server's watchdog must not stop the server the check starts

        var writesUndone = 0
        if configuration.kind == .power {
            do throws(StoreError) {
                let undone = try PowerCutJournal.apply(path: journal)
                writesUndone = undone.writesUndone
                unmodelled.formUnion(undone.mappedFiles.map { ($0 as NSString).lastPathComponent })
            } catch {
                throw BenchmarkError("the power cut could not be applied: \(error.message)")
            }
            unlink(journal)
        }
        let records = try AcknowledgementLog.read(path: log).records
        var crash = Crash(index: index, killedAtSeconds: killAt, acknowledgedLogged: records.count(where: { $0.event == .acknowledged }),
                          writesUndone: writesUndone, check: CrashCheck())
        let plan = try TracePlanning.plan(readingTrace: configuration.tracePath, phoneNamespace: phoneNamespace(crash: index))
        do throws(StoreError) {
            let opening = MonotonicClock.now()
            let store = try configuration.descriptor.open(BackendOptions(storeOptions))
            defer { store.close() }
            crash.check = try check(store, logs: [(records, plan)]) {
                crash.recoveryMillis = Double(MonotonicClock.now() - opening) / 1e6
            }[0]
        } catch {
            crash.failure = error.message
        }
        return crash
    }

    /// Opens a connection, answers a first read (calling `reopened` then), checks the whole store (its chats, and the
    /// engine's own check) once, then each log.
    private static func check<Store: MessageStore>(_ store: Store, logs: [(records: [AcknowledgementLog.Record], plan: ReplayPlan)],
                                                   reopened: () -> Void = {}) throws(StoreError) -> [CrashCheck] {
        let connection = try store.connect()
        if let phone = logs.first?.plan.phone(ofUser: 0) { _ = try connection.user(withPhone: phone) }
        reopened()
        let summary = try connection.summary()
        var whole = CrashVerifier.verifyWhole(summary)
        if let engine = store as? IntegrityChecking {
            for problem in try engine.checkEngineIntegrity() { whole.contradict(problem) }
        }
        var checks: [CrashCheck] = []
        for log in logs {
            checks.append(try CrashVerifier.verify(log.records, plan: log.plan, connection: connection, summary: summary))
        }
        if !checks.isEmpty { checks[0].add(whole) }
        return checks
    }

    /// Every crash's log checked once more against the store as the last crash left it.
    private static func verifyAll(_ count: Int, configuration: Configuration, storeOptions: [String: String], work: WorkDirectory)
        throws(BenchmarkError) -> CrashCheck
    {
        var logs: [(records: [AcknowledgementLog.Record], plan: ReplayPlan)] = []
        for index in 0..<count {
            let plan = try TracePlanning.plan(readingTrace: configuration.tracePath, phoneNamespace: phoneNamespace(crash: index))
            logs.append((try AcknowledgementLog.read(path: work.file("acknowledgements-\(index)")).records, plan))
        }
        var total = CrashCheck()
        do throws(StoreError) {
            let store = try configuration.descriptor.open(BackendOptions(storeOptions))
            defer { store.close() }
            for (index, var check) in try check(store, logs: logs).enumerated() {
                check.problems = check.problems.map { "final check of crash \(index + 1): \($0)" }
                total.add(check)
            }
        } catch {
            throw BenchmarkError("the final check could not read the store: \(error.message)")
        }
        return total
    }

    /// Waits until the child logs the start of its schedule; returns that moment on the monotonic clock.
    private static func awaitScheduleStart(child: pid_t, log: String, output: String, stop: StopSignal) throws(BenchmarkError) -> UInt64 {
        let deadline = MonotonicClock.now() + 600_000_000_000
        var scanned = 0
        while MonotonicClock.now() < deadline {
            if stop.isRequested { throw BenchmarkError.interrupted("nothing written") }
            if let handle = FileHandle(forReadingAtPath: log) {
                defer { try? handle.close() }
                try? handle.seek(toOffset: UInt64(scanned))
                let data = (try? handle.readToEnd()) ?? Data()
                let bytes = [UInt8](data)
                var offset = 0
                while bytes.count - offset >= AcknowledgementLog.Record.size {
                    let chunk = Array(bytes[offset..<offset + AcknowledgementLog.Record.size])
                    if let record = AcknowledgementLog.decode(chunk), record.event == .scheduleStarted { return record.sequence }
                    offset += AcknowledgementLog.Record.size
                }
                scanned += offset
            }
            var status: Int32 = 0
            if waitpid(child, &status, WNOHANG) == child {
                throw BenchmarkError("the crash child failed before its schedule started: \(childTail(output))")
            }
            usleep(5_000)
        }
        throw BenchmarkError("the crash child did not start its schedule within 10 minutes: \(childTail(output))")
    }

    private static func childTail(_ output: String) -> String {
        let text = ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "it printed nothing" : String(text.suffix(800))
    }

    /// The surge phases of the trace's scenario, where crashes happen (the whole schedule when none is a surge).
    private static func surgeWindows(_ tracePath: String) throws(BenchmarkError) -> Windows {
        let header = try TraceReader(path: tracePath).header
        let scenario = try header.scenario(source: "in trace '\(tracePath)'")
        let windows = scenario.phaseWindows
        let surge = windows.filter { $0.phase.role == .surge }.map { ($0.start, $0.end) }
        return Windows(spans: surge.isEmpty ? windows.map { ($0.start, $0.end) } : surge)
    }

    struct Windows {
        var spans: [(Double, Double)]

        /// The point a fraction `unit` of the way through the spans' total length.
        func point(at unit: Double) -> Double {
            var remaining = unit * spans.reduce(0) { $0 + ($1.1 - $1.0) }
            for (start, end) in spans {
                if remaining < end - start { return start + remaining }
                remaining -= end - start
            }
            return spans.last?.1 ?? 0
        }
    }
}

/// A temporary directory for a crash campaign's store, logs and journals, removed at the end (and by a watchdog if
/// SurgeBench itself is killed).
final class WorkDirectory {
    let path: String
    private let watchdog: pid_t

    init(under parent: String) throws(BenchmarkError) {
        do throws(StoreError) {
            path = try StoreDirectory.makeTemporary(prefix: "surgebench-crash", under: parent)
        } catch {
            throw BenchmarkError(error.message)
        }
        watchdog = ChildProcess.startWatchdog(cleanup: "rm -rf '\(path)'")
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
        ChildProcess.end(watchdog)
    }
}

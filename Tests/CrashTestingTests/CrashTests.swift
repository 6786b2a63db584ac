import CrashTesting
import Foundation
import Harness
import MemoryStore
import Orchestration
import Reporting
import StoreCatalog
import SurgeCore
import Testing
import TestSupport
import Workload

/// `surgebench crash`: the acknowledgement log, the verifier, the power-cut library and short crash runs.
@Suite("Crash durability", .serialized)
struct CrashTests {
    typealias Record = AcknowledgementLog.Record

    @Test("the acknowledgement log reads back what was appended, skipping a damaged record and a torn tail")
    func acknowledgementLog() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("acks")
        var send = Record(.acknowledged, .send)
        send.user = 7
        send.chat = 3
        send.sequence = 12
        send.clientMessageID = 0xdead_beef
        send.bodyLength = 64
        send.bodyDigest = AcknowledgementLog.digest([1, 2, 3])
        var register = Record(.intent, .register)
        register.traceUser = 41
        do {
            let log = try AcknowledgementLog(path: path)
            log.append(send)
            log.append(register)
            log.append(send)
        }
        #expect(try AcknowledgementLog.read(path: path).records == [send, register, send])

        // Damage the middle record and tear the last one: the first stays, the damage is counted, the tail ignored.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[64 + 20] ^= 0xff
        bytes.removeLast(10)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let contents = try AcknowledgementLog.read(path: path)
        #expect(contents.records == [send])
        #expect(contents.damagedRecords == 1 && contents.trailingBytes == 54)
    }

    @Test("the verifier passes an intact store and catches a dropped message, a sequence gap and a moved watermark",
          arguments: [Tampering.none, .dropMessage, .sequenceGap, .moveWatermark])
    func verifierCatchesDamage(tampering: Tampering) throws {
        let store = MemoryMessageStore()
        defer { store.close() }
        let (plan, records) = try Self.replayWithLog(store)
        let connection = TamperedConnection(base: try store.connect(), tampering: tampering)
        let summary = try connection.summary()
        var check = try CrashVerifier.verify(records, plan: plan, connection: connection, summary: summary)
        check.add(CrashVerifier.verifyWhole(summary))
        #expect(check.acknowledgedChecked > 500, "\(check)")
        switch tampering {
        case .none:
            #expect(check.isIntact && check.problems.isEmpty, "\(check.problems)")
        case .dropMessage:
            #expect(check.lostByKind["send"] == 1, "\(check.problems)")
        case .sequenceGap:
            #expect(check.lost == 0 && check.inconsistencies == 1, "\(check.problems)")
        case .moveWatermark:
            #expect(check.lostByKind["mark-read", default: 0] >= 1 && check.lostByKind.count == 1, "\(check.problems)")
        }
        #expect(connection.tampered || tampering == .none, "the tampering found something to damage")
    }

    @Test("the power-cut library puts a known program's files back to their last sync")
    func powerCutLibrary() throws {
        let library = BuiltProducts.path("libSurgePowerCut.so")
        #expect(FileManager.default.fileExists(atPath: library), "built by `swift build`: \(library)")
        let directory = try ScratchDirectory()
        let watched = directory.file("store")
        try FileManager.default.createDirectory(atPath: watched, withIntermediateDirectories: true)
        let program = directory.file("known")
        try Self.compile(Self.knownProgram, to: program)
        let journal = directory.file("journal")
        let status = try Self.runToEnd([program, watched], environment: PowerCutJournal.environment(library: library, directory: watched, journal: journal))
        #expect(status == 0)
        func contents(_ name: String) -> String? {
            (try? String(contentsOfFile: (watched as NSString).appendingPathComponent(name), encoding: .utf8))
        }
        // Before the cut, the files hold everything written.
        #expect(contents("synced") == "BBBBxyCCCC")
        #expect(contents("dsync") == "durable")
        #expect(contents("write-only") == "abcdefghijkl")
        let outcome = try PowerCutJournal.apply(path: journal, directory: watched, model: .strict)
        #expect(contents("synced") == "AAAAAAAA", "the overwrite, the append and the shrink after the fsync are undone")
        #expect(contents("unsynced") == "", "never synced: empty (its creation was durable)")
        #expect(contents("renamed") == "temporary", "synced, then renamed: the name and the contents survive")
        #expect(contents("dsync") == "durable", "O_DSYNC writes are durable at once")
        #expect(contents("write-only") == "0123456789", "an overwrite through a write-only descriptor is undone too")
        #expect(outcome.writesUndone == 7 && outcome.filesReverted == 3, "\(outcome)")
    }

    /// The short crash runs: every crashable backend of the catalog at least once (``everyCrashableBackendIsCrashed``).
    static let shortCrashCases: [(String, String, CrashKind)] = [
        ("sqlite", "normal", .process), ("lmdb", "sync", .process), ("rocksdb", "nosync", .process), ("sqlite", "full", .power),
        ("lmdb", "nosync", .power), ("postgres", "local", .process), ("redis-cluster", "always", .process),
        // The reference drivers, crashed by the same tests (docs/driver-protocol.md).
        ("python-sqlite", "full", .power), ("memory-c", "log", .process), ("memory-c", "log-sync", .power),
        // A failover per server backend: the primary killed, the standby or replica taking over while the load runs.
        ("postgres", "replicated", .failover), ("redis-cluster", "always", .failover),
    ]

    @Test("the short crash runs cover every backend the catalog says can be crashed, in a mode it declares")
    func everyCrashableBackendIsCrashed() throws {
        let crashed = Set(Self.shortCrashCases.map(\.0))
        let missing = BackendCatalog.crashableStores.map(\.name).filter { !crashed.contains($0) }
        #expect(missing.isEmpty, "add a short crash run for \(missing)")
        for (backend, mode, _) in Self.shortCrashCases {
            let modes = try BackendCatalog.backend(named: backend).durability?.modes.map(\.name) ?? []
            #expect(modes.contains(mode), "\(backend) declares no durability mode \(mode)")
        }
    }

    @Test("a short crash run per backend loses nothing on process kills; a power cut loses what was never synced",
          arguments: shortCrashCases)
    func shortCrashRun(backend: String, durability: String, kind: CrashKind) throws {
        let directory = try ScratchDirectory()
        let scenario = try BuiltInScenarios.scenario(named: "smoke")
        var configuration = try CrashCampaign.Configuration(
            descriptor: try BackendCatalog.backend(named: backend), options: ["durability": durability], kind: kind, crashes: 2, seed: 9,
            workers: 4, executable: BuiltProducts.path("surgebench"), powerCutLibrary: BuiltProducts.path("libSurgePowerCut.so"))
        configuration.temporaryParent = directory.path
        #expect(configuration.mode?.name == durability, "the campaign is handed the mode the options select")
        var lines: [String] = []
        let run = try CrashRun.perform(configuration, scenario: scenario, scale: 1) { lines.append($0) }
        let outcome = run.outcome
        #expect(outcome.crashes.count == 2 && lines.count == 2)
        // A failover's store goes with its crash: no final check, each crash checked on its new primary.
        let total = try kind == .failover ? outcome.total : #require(outcome.finalCheck)
        #expect(total.acknowledgedChecked > 300, "\(total)")
        #expect(outcome.corruptCrashes == 0, "\(outcome.crashes.map { $0.failure ?? $0.check.problems.first ?? "" })")
        for crash in outcome.crashes {
            #expect(crash.killedAtSeconds >= 1 && crash.killedAtSeconds <= 2.1, "inside the smoke scenario's surge phase")
            #expect((crash.recoveryMillis ?? -1) >= 0)
            #expect((crash.takeoverMillis != nil) == (kind == .failover))
        }
        if kind == .failover {
            #expect(run.scenario.duration.seconds == 3 + CrashRun.failoverTail.seconds, "the load runs on after the surge")
            #expect(outcome.finalCheck == nil)
        }
        if backend == "lmdb", kind == .power {
            // MDB_NOSYNC never syncs: a power cut takes every write of the crash with it.
            #expect(total.lost > 300 && outcome.crashes.allSatisfy { $0.writesUndone > 0 }, "\(total)")
        } else {
            #expect(total.lost == 0, "\(total.problems)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "the store, logs and journals are removed")
        let servers = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { pid in
            (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8))?.contains(directory.path + "/surgebench-crash-") == true
        }
        #expect(servers.isEmpty, "no server or watchdog of the run is left: \(servers)")
        let drivers = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { pid in
            let environment = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
            return String(decoding: environment, as: UTF8.self).contains("SURGEBENCH_DRIVER_DIRECTORY=" + directory.path)
        }
        #expect(drivers.isEmpty, "no driver of the run is left: \(drivers)")

        #expect(run.guarantee == configuration.mode?.promise.guarantee(against: kind))
        let document = CrashDocument(run)
        #expect(document.mode == durability && document.verdict == run.verdict.text, "the document renders the campaign's verdict")
        #expect(try JSONDecoder().decode(CrashDocument.self, from: Data(try document.json().utf8)) == document)
        #expect(document.keepsPromise != false, "\(document.verdict)")
        let durabilityClass = try #require(configuration.mode?.durabilityClass)
        #expect(document.durabilityClass == durabilityClass)
        #expect(CrashDocument.table([document]).markdown().contains("| \(backend) | \(durability) | \(durabilityClass.rawValue) | \(document.crashName) | 2 |"))
    }

    // MARK: - Helpers

    /// Replays the smoke scenario on `store` with an acknowledgement log; returns the plan and the log's records.
    static func replayWithLog(_ store: some MessageStore) throws -> (ReplayPlan, [Record]) {
        let directory = try ScratchDirectory()
        let plan = try TracePlanning.plan(try BuiltInScenarios.scenario(named: "smoke"), seed: 11, scale: 1)
        var options = ReplayOptions(workers: 4)
        options.acknowledgements = try AcknowledgementLog(path: directory.file("acks"))
        let result = try Replayer.run(store, plan: plan, options: options)
        #expect(result.integrity.isIntact)
        return (plan, try AcknowledgementLog.read(path: directory.file("acks")).records)
    }

    /// Writes to files under argv[1]: "synced" (written, fsynced, then overwritten, appended and shrunk), "unsynced"
    /// (never synced), "temporary" (synced, then renamed to "renamed"), "write-only" (synced, then overwritten and shrunk
    /// through a write-only descriptor, as Redis rewrites nodes.conf) and "dsync" (opened O_DSYNC).
    static let knownProgram = """
        #include <fcntl.h>
        #include <stdio.h>
        #include <string.h>
        #include <unistd.h>
        static int at(const char *dir, const char *name, int flags) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, name);
            return open(path, flags, 0644);
        }
        int main(int argc, char **argv) {
            const char *dir = argv[1];
            int synced = at(dir, "synced", O_CREAT | O_RDWR);
            if (write(synced, "AAAAAAAA", 8) != 8 || fsync(synced) != 0) return 1;
            if (pwrite(synced, "BBBB", 4, 0) != 4) return 1;
            if (lseek(synced, 0, SEEK_END) < 0 || write(synced, "CCCC", 4) != 4) return 1;
            if (ftruncate(synced, 6) != 0 || pwrite(synced, "xyCCCC", 6, 4) != 6) return 1;
            int unsynced = at(dir, "unsynced", O_CREAT | O_WRONLY);
            if (write(unsynced, "lost", 4) != 4) return 1;
            int temporary = at(dir, "temporary", O_CREAT | O_WRONLY);
            if (write(temporary, "temporary", 9) != 9 || fdatasync(temporary) != 0) return 1;
            char from[4096], to[4096];
            snprintf(from, sizeof from, "%s/temporary", dir);
            snprintf(to, sizeof to, "%s/renamed", dir);
            if (rename(from, to) != 0) return 1;
            int writeOnly = at(dir, "write-only", O_CREAT | O_WRONLY);
            if (write(writeOnly, "0123456789", 10) != 10 || fsync(writeOnly) != 0) return 1;
            close(writeOnly);
            writeOnly = at(dir, "write-only", O_WRONLY);
            if (write(writeOnly, "abcdefghijklmnop", 16) != 16 || ftruncate(writeOnly, 12) != 0) return 1;
            int dsync = at(dir, "dsync", O_CREAT | O_WRONLY | O_DSYNC);
            if (write(dsync, "durable", 7) != 7) return 1;
            close(synced); close(unsynced); close(temporary); close(dsync); close(writeOnly);
            return 0;
        }
        """

    static func compile(_ source: String, to output: String) throws {
        let file = output + ".c"
        try source.write(toFile: file, atomically: true, encoding: .utf8)
        let compiler = ["/usr/bin/cc", "/opt/swift/usr/bin/clang", "/usr/bin/clang"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let status = try runToEnd([try #require(compiler), "-o", output, file], environment: [:])
        #expect(status == 0, "compiling the known program")
    }

    static func runToEnd(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}

enum Tampering: Sendable, CaseIterable {
    case none, dropMessage, sequenceGap, moveWatermark
}

/// A connection that damages what it reads back in one way: drops the newest message of the first chat with two or
/// more, reports a sequence allocated but not stored, or lowers a watermark.
final class TamperedConnection<Base: StoreConnection>: StoreConnection {
    let base: Base
    let tampering: Tampering
    private(set) var tampered = false
    private var victimChat: ChatID?

    init(base: Base, tampering: Tampering) {
        self.base = base
        self.tampering = tampering
    }

    func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration { try base.register(phone: phone, displayName: displayName) }
    func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] { try base.importContacts(of: owner, phones: phones) }
    func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID { try base.directChat(between: first, and: second) }
    func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID { try base.createGroup(by: creator, members: members) }
    func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try base.send(body, to: chat, from: sender, clientMessageID: clientMessageID)
    }
    func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID? { try base.user(withPhone: phone) }
    func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 { try base.markRead(chat, by: user, upTo: sequence) }

    func summarize(chat visit: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        try base.summarize { chat in
            var chat = chat
            if tampering == .sequenceGap, !tampered, chat.messageCount > 0 {
                chat.lastSequence += 1
                tampered = true
            }
            if tampering == .dropMessage, victimChat == nil, chat.messageCount >= 2 { victimChat = chat.chat }
            visit(chat)
        }
    }

    func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        var page = try base.history(of: chat, before: before, limit: limit)
        if tampering == .dropMessage, chat == victimChat, before == nil, !page.isEmpty {
            page.removeFirst()
            tampered = true
        }
        return page
    }

    func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        var entries = try base.inbox(of: user, limit: limit)
        if tampering == .moveWatermark, !tampered, entries.contains(where: { $0.readSequence > 0 }) {
            for index in entries.indices where entries[index].readSequence > 0 { entries[index].readSequence -= 1 }
            tampered = true
        }
        return entries
    }
}

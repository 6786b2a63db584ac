import Conformance
import Foundation
import StoreCatalog
import SurgeCore
import Testing
import TestSupport

/// Bad input gets a typed error with a message a user can act on, never a trap.
@Suite("Bad input")
struct BadInputTests {
    @Test("phone numbers must be 1 to 31 digits after an optional '+'", arguments: ["", "+", "12a4", "+1 555", String(repeating: "1", count: 33)])
    func invalidPhoneNumbers(text: String) {
        let error = expectStoreError(.invalidArgument) { try PhoneNumber(text) }
        #expect(error?.message.contains("phone number") == true)
    }

    @Test("valid phone numbers are kept as given")
    func validPhoneNumbers() throws {
        #expect(try PhoneNumber("+31600000001").text == "+31600000001")
        #expect(try PhoneNumber(String(repeating: "9", count: 32)).text.count == 32)
    }

    @Test("an unknown backend name lists the known ones")
    func unknownBackend() {
        let error = expectInputError { try BackendCatalog.backend(named: "cassandra") }
        #expect(error?.message.contains("memory, sqlite, lmdb, rocksdb") == true)
    }

    @Test("invalid options name the option and what it accepts", arguments: [
        ("lmdb", ["map-size": "0"], "map-size"),
        ("lmdb", ["map-size": "lots"], "map-size"),
        ("lmdb", ["durability": "fsync"], "nosync, nometasync, sync"),
        ("sqlite", ["durability": "extra"], "off, normal, full"),
        ("sqlite", ["commit": "batch"], "per-op, group"),
        ("sqlite", ["group-max-batch": "0"], "group-max-batch"),
        ("sqlite", ["cache": "1"], "has no option 'cache'"),
        ("memory", ["path": "/tmp/x"], "has no option 'path'"),
    ])
    func invalidOptions(backend: String, options: [String: String], expected: String) throws {
        let error = expectStoreError(.invalidOption) { try BackendCatalog.backend(named: backend).open(BackendOptions(options)) }
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }

    @Test("--option pairs go to every backend that has the option, or to the one named; anything else is refused")
    func optionAssignment() throws {
        let sqlite = try BackendCatalog.backend(named: "sqlite")
        let lmdb = try BackendCatalog.backend(named: "lmdb")
        let memory = try BackendCatalog.backend(named: "memory")
        let both = try OptionAssignment.assign(["commit=group", "lmdb.map-size=2GiB", "sqlite.durability=full", "path=/tmp/a=b"], to: [sqlite, lmdb])
        #expect(both["sqlite"]?.values == ["commit": "group", "durability": "full", "path": "/tmp/a=b"])
        #expect(both["lmdb"]?.values == ["commit": "group", "map-size": "2GiB", "path": "/tmp/a=b"])
        let shared = try OptionAssignment.assign(["commit=group"], to: [memory, sqlite])
        #expect(shared["memory"]?.values == [:] && shared["sqlite"]?.values == ["commit": "group"])
        expectInputError { try OptionAssignment.assign(["durability"], to: [sqlite]) }
        expectInputError { try OptionAssignment.assign(["=full"], to: [sqlite]) }
        expectInputError { try OptionAssignment.assign(["cache=1"], to: [sqlite, lmdb]) }
        let refused = expectInputError { try OptionAssignment.assign(["durability=sync"], to: [sqlite]) }
        #expect(refused?.message.hasPrefix("sqlite: ") == true, "\(refused?.message ?? "")")
    }

    @Test("sizes accept units", arguments: [("65536", 65_536), ("64KiB", 65_536), ("2MiB", 2 << 20), ("1GiB", 1 << 30)])
    func byteSizes(text: String, bytes: Int) throws {
        #expect(try BackendOptions(["map-size": text]).byteSize(BackendOption(name: "map-size", summary: "", defaultValue: ""), in: 1...(1 << 40)) == bytes)
    }

    @Test("a password in a server's URL appears in no error message")
    func passwordsStaySecret() throws {
        let error = expectStoreError(.cannotOpen) {
            try BackendCatalog.backend(named: "postgres").open(BackendOptions(["url": "postgresql://bench:hunter2@localhost/db?host=/nonexistent-dir"]))
        }
        #expect(error?.message.contains("hunter2") == false, "\(error?.message ?? "")")
        #expect(error?.message.contains("<redacted>") == true, "\(error?.message ?? "")")
    }

    /// Every backend whose data lives in a directory.
    static let directoryBackends = BackendCatalog.all.filter { $0.location == .directory }.map(\.name)

    @Test("every backend refuses an option it lacks and a choice it does not offer, naming what it accepts",
          arguments: BackendCatalog.all.map(\.name))
    func everyBackendChecksItsOptions(backend: String) throws {
        let descriptor = try BackendCatalog.backend(named: backend)
        let unknown = expectStoreError(.invalidOption) { try descriptor.open(BackendOptions(["no-such-option": "1"])) }
        #expect(unknown?.message.contains("has no option 'no-such-option'") == true, "\(unknown?.message ?? "")")
        for option in descriptor.options {
            guard let choices = option.choices else { continue }
            let error = expectStoreError(.invalidOption) { try descriptor.open(BackendOptions([option.name: "not-a-choice"])) }
            #expect(error?.message.contains(choices.joined(separator: ", ")) == true, "\(error?.message ?? "")")
        }
    }

    @Test("a store path that is a file is refused", arguments: directoryBackends)
    func pathIsAFile(backend: String) throws {
        let directory = try ScratchDirectory()
        let file = directory.file("plain-file")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: file))
        let error = expectStoreError(.notAStore) { try BackendCatalog.backend(named: backend).open(BackendOptions(["path": file])) }
        #expect(error?.message.contains("is a file") == true)
    }

    @Test("a path that cannot be created is refused", arguments: directoryBackends)
    func pathCannotBeCreated(backend: String) throws {
        let directory = try ScratchDirectory()
        let file = directory.file("plain-file")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: file))
        expectStoreError(.cannotOpen) { try BackendCatalog.backend(named: backend).open(BackendOptions(["path": file + "/below"])) }
    }

    @Test("a directory holding another program's files is not a store", arguments: [
        ("sqlite", "store.sqlite"), ("lmdb", "data.mdb"),
    ])
    func foreignFiles(backend: String, fileName: String) throws {
        let directory = try ScratchDirectory()
        try Data(repeating: 0x5A, count: 16_384).write(to: URL(fileURLWithPath: directory.file(fileName)))
        expectStoreError(.notAStore) { try BackendCatalog.backend(named: backend).open(BackendOptions(["path": directory.path])) }
    }

    @Test("a real SQLite database of someone else's is not an sqlite store")
    func foreignSQLiteDatabase() throws {
        let directory = try ScratchDirectory()
        let status = try runSQLite3(directory.file("store.sqlite"), "CREATE TABLE accounts (id INTEGER PRIMARY KEY);")
        try #require(status == 0)
        let error = expectStoreError(.notAStore) { try BackendCatalog.backend(named: "sqlite").open(BackendOptions(["path": directory.path])) }
        #expect(error?.message.contains("not a SurgeBench store") == true)
    }

    @Test("an LMDB environment of someone else's is not an lmdb store")
    func foreignLMDBEnvironment() throws {
        let directory = try ScratchDirectory()
        // Make an LMDB environment with a record in its main database, as another program would.
        try LMDBTestSupport.writeForeignEnvironment(at: directory.path)
        let error = expectStoreError(.notAStore) { try BackendCatalog.backend(named: "lmdb").open(BackendOptions(["path": directory.path])) }
        #expect(error?.message.contains("not a SurgeBench store") == true)
    }

    @Test("the same LMDB store cannot be open twice in one process")
    func lmdbOpenTwice() throws {
        let directory = try ScratchDirectory()
        let lmdb = try BackendCatalog.backend(named: "lmdb")
        let store = try lmdb.open(BackendOptions(["path": directory.path]))
        defer { store.close() }
        let error = expectStoreError(.cannotOpen) { try lmdb.open(BackendOptions(["path": directory.path])) }
        #expect(error?.message.contains("already open") == true)
    }
}

/// Runs the sqlite3 command-line shell on a database file.
func runSQLite3(_ path: String, _ sql: String) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
    process.arguments = [path, sql]
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}

/// The declared durability modes: the type the crash matrix and the tables rest on.
@Suite("Durability modes")
struct DurabilityModeTests {
    @Test("every backend with files or a server declares its durability modes; each option's choices are exactly its modes",
          arguments: BackendCatalog.all.map(\.name))
    func declaredModes(backend: String) throws {
        let descriptor = try BackendCatalog.backend(named: backend)
        guard let durability = descriptor.durability else {
            #expect(descriptor.location == .inProcess, "\(backend) keeps data beyond the process but declares no durability modes")
            return
        }
        #expect(durability.option.choices == durability.modes.map(\.name))
        #expect(durability.modes.contains(durability.bulkLoad))
        #expect(descriptor.bulkLoadOptions[durability.option.name] == durability.bulkLoad.name)
        for mode in durability.modes {
            let store = try descriptor.durabilityMode(in: BackendOptions([durability.option.name: mode.name]))
            #expect(store == mode)
            #expect(!mode.documentation.isEmpty)
        }
        #expect(try descriptor.durabilityMode(in: BackendOptions())?.name == durability.option.defaultValue)
    }

    @Test("a store reports the typed mode it runs with", arguments: ["sqlite", "lmdb", "rocksdb"])
    func storeSettingsCarryTheMode(backend: String) throws {
        let descriptor = try BackendCatalog.backend(named: backend)
        let durability = try #require(descriptor.durability)
        let directory = try ScratchDirectory()
        for mode in durability.modes {
            let store = try descriptor.open(BackendOptions([durability.option.name: mode.name, BackendOption.path.name: directory.file(mode.name)]))
            defer { store.close() }
            #expect(store.settings.durability == mode, "\(backend) \(mode.name)")
        }
    }
}

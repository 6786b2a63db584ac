import Conformance
import CRocksDB
import Foundation
import StoreCatalog
import Synchronization
import SurgeCore
import Testing
import TestSupport

@Suite("RocksDB backend")
struct RocksDBStoreTests {
    func open(_ directory: ScratchDirectory, _ options: [String: String] = [:]) throws -> any MessageStore {
        try BackendCatalog.backend(named: "rocksdb").open(BackendOptions(options.merging(["path": directory.path]) { $1 }))
    }

    @Test("another program's RocksDB, and a directory of other files, are refused as not a store and left as they were")
    func foreignDirectories() throws {
        let foreign = try ScratchDirectory()
        let options = rocksdb_options_create()
        defer { rocksdb_options_destroy(options) }
        rocksdb_options_set_create_if_missing(options, 1)
        var error: UnsafeMutablePointer<CChar>?
        let database = rocksdb_open(options, foreign.path, &error)
        try #require(error == nil && database != nil)
        let writeOptions = rocksdb_writeoptions_create()
        rocksdb_put(database, writeOptions, "invoice-1", 9, "42", 2, &error)
        rocksdb_writeoptions_destroy(writeOptions)
        rocksdb_close(database)
        let before = try FileManager.default.contentsOfDirectory(atPath: foreign.path).sorted()
        let refused = expectStoreError(.notAStore) { _ = try open(foreign) }
        #expect(refused?.message.contains("not a SurgeBench store") == true, "\(refused?.message ?? "")")
        #expect(try FileManager.default.contentsOfDirectory(atPath: foreign.path).sorted() == before, "the foreign database was changed")

        let files = try ScratchDirectory()
        try "notes".write(toFile: files.file("notes.txt"), atomically: true, encoding: .utf8)
        let refusedFiles = expectStoreError(.notAStore) { _ = try open(files) }
        #expect(refusedFiles?.message.contains("no RocksDB database") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: files.path) == ["notes.txt"])
    }

    @Test("senders and readers of one group at once: sequences gapless, every unread count exact", arguments: ["per-op", "group"])
    func sendersAndReaders(commit: String) throws {
        let directory = try ScratchDirectory()
        let store = try open(directory, ["commit": commit])
        defer { store.close() }
        let setup = try store.connect()
        let users = try registerUsers(4, on: setup)
        let group = try setup.createGroup(by: users[0], members: Array(users.dropFirst()))
        try onThreads(8) { index in
            let connection = try store.connect()
            let user = users[index % 4]
            for step in 1...60 {
                if index < 4 {
                    _ = try connection.send([UInt8(step)], to: group, from: user, clientMessageID: UInt64(step))
                } else {
                    _ = try connection.markRead(group, by: user, upTo: UInt64(step * 3))
                }
            }
        }
        let messages = try setup.history(of: group, before: nil, limit: 1_000)
        #expect(messages.map(\.sequence) == (1...240).reversed().map { UInt64($0) })
        for user in users {
            let entry = try #require(try setup.inbox(of: user, limit: 1).first)
            let expected = messages.filter { $0.sequence > entry.readSequence && $0.sender != user }.count
            #expect(entry.unreadCount == UInt64(expected), "\(user): unread \(entry.unreadCount), expected \(expected)")
        }
    }

    @Test("results record the settings and RocksDB's own counters: bytes written, flushes, write amplification")
    func statistics() throws {
        let directory = try ScratchDirectory()
        let store = try open(directory, ["compression": "zstd", "write-buffer": "1MiB"])
        defer { store.close() }
        let connection = try store.connect()
        let users = try registerUsers(2, on: connection)
        let chat = try connection.directChat(between: users[0], and: users[1])
        for id in 1...5_000 { _ = try connection.send(Array(repeating: UInt8(id % 251), count: 400), to: chat, from: users[0], clientMessageID: UInt64(id)) }
        let statistics = store.statistics()
        #expect(statistics.settings?["compression"] == "zstd" && statistics.settings?["write_buffer"] == String(1 << 20))
        #expect(statistics.settings?["version"]?.hasPrefix("RocksDB 7.") == true, "\(statistics.settings ?? [:])")
        #expect(statistics.engine["bytes.written", default: 0] > 2_000_000, "\(statistics.engine)")
        #expect(statistics.engine["flush.write.bytes", default: 0] > 0, "a 1 MiB write buffer must have flushed: \(statistics.engine)")
        #expect(statistics.engine["write_amplification", default: 0] > 1)
    }
}

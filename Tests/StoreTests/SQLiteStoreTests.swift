import Conformance
import CSQLite
import Foundation
import StoreCatalog
@testable import SQLiteStore
import SurgeCore
import Testing
import TestSupport

@Suite("SQLite backend")
struct SQLiteStoreTests {
    @Test("a writer that cannot get the lock within busy-timeout-ms fails as busy, naming the option")
    func busy() throws {
        let directory = try ScratchDirectory()
        let store = try BackendCatalog.backend(named: "sqlite").open(
            BackendOptions(["path": directory.path, "busy-timeout-ms": "50"]))
        defer { store.close() }
        let connection = try store.connect()
        let users = try registerUsers(2, on: connection)

        // Another process-like connection takes the write lock and holds it.
        var other: OpaquePointer?
        try #require(sqlite3_open(directory.file("store.sqlite"), &other) == SQLITE_OK)
        defer { sqlite3_close(other) }
        try #require(sqlite3_exec(other, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)

        let error = expectStoreError(.busy) { try connection.directChat(between: users[0], and: users[1]) }
        #expect(error?.message.contains("busy-timeout-ms") == true)
        // Reads still work in WAL mode while the writer holds the lock.
        #expect(try connection.user(withPhone: phone(1_000_000_001)) == users[1])

        try #require(sqlite3_exec(other, "ROLLBACK", nil, nil, nil) == SQLITE_OK)
        #expect(try connection.directChat(between: users[0], and: users[1]) == ChatID(1))
    }

    @Test("the database is in WAL mode with the chosen synchronous level", arguments: [("off", 0), ("normal", 1), ("full", 2)])
    func pragmas(durability: String, synchronous: Int) throws {
        let directory = try ScratchDirectory()
        let store = try BackendCatalog.backend(named: "sqlite").open(BackendOptions(["path": directory.path, "durability": durability]))
        defer { store.close() }
        let connection = try store.connect()
        _ = try registerUsers(1, on: connection)
        // journal_mode is stored in the file; check it from outside.
        var other: OpaquePointer?
        try #require(sqlite3_open(directory.file("store.sqlite"), &other) == SQLITE_OK)
        defer { sqlite3_close(other) }
        var statement: OpaquePointer?
        try #require(sqlite3_prepare_v2(other, "PRAGMA journal_mode", -1, &statement, nil) == SQLITE_OK)
        defer { sqlite3_finalize(statement) }
        try #require(sqlite3_step(statement) == SQLITE_ROW)
        #expect(String(cString: sqlite3_column_text(statement, 0)) == "wal")
        // The synchronous level is per connection: check the store's own connection.
        let sqliteConnection = try #require(connection as? SQLiteConnection)
        let level = try sqliteConnection.database.prepare("PRAGMA synchronous")
        defer { level.reset() }
        #expect(try level.step())
        #expect(level.uint64(0) == UInt64(synchronous))
    }
}

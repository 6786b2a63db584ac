import CSQLite
import SurgeCore

/// A prepared statement, made once per connection and reset and rebound for each use.
///
/// Call ``reset()`` after reading a query's rows (use `defer`): an un-reset statement keeps its read snapshot open,
/// which stops WAL checkpoints.
final class SQLiteStatement {
    private let database: SQLiteDatabase
    private let handle: OpaquePointer
    private let sql: String

    init(database: SQLiteDatabase, sql: String) throws(StoreError) {
        var handle: OpaquePointer?
        let code = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard code == SQLITE_OK, let handle else {
            sqlite3_finalize(handle)
            throw database.error(code: code, context: sql)
        }
        self.database = database
        self.handle = handle
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    func bind(_ index: Int32, _ value: UInt64) throws(StoreError) {
        try check(sqlite3_bind_int64(handle, index, Int64(bitPattern: value)), binding: index)
    }

    /// Binds `text` without copying it for the duration of `body` (which steps the statement), then unbinds it.
    func withBinding<Result>(_ index: Int32, text: String, _ body: () throws(StoreError) -> Result) throws(StoreError) -> Result {
        try text.withUTF8Bytes { (bytes) throws(StoreError) -> Result in
            if let pointer = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) {
                try check(sqlite3_bind_text64(handle, index, pointer, UInt64(bytes.count), csqlite_static(), UInt8(SQLITE_UTF8)),
                          binding: index)
            } else {
                try check(sqlite3_bind_text(handle, index, "", 0, csqlite_transient()), binding: index)
            }
            defer { sqlite3_bind_null(handle, index) }
            return try body()
        }
    }

    /// Binds `bytes` as a blob without copying them for the duration of `body` (which steps the statement), then
    /// unbinds them. An empty body is an empty blob, not NULL.
    func withBinding<Result>(_ index: Int32, blob bytes: [UInt8], _ body: () throws(StoreError) -> Result) throws(StoreError) -> Result {
        guard !bytes.isEmpty else {
            try check(sqlite3_bind_zeroblob(handle, index, 0), binding: index)
            return try body()
        }
        var outcome: Swift.Result<Result, StoreError>?
        bytes.withUnsafeBytes { buffer in
            outcome = Swift.Result { () throws(StoreError) -> Result in
                try check(sqlite3_bind_blob64(handle, index, buffer.baseAddress, UInt64(buffer.count), csqlite_static()), binding: index)
                defer { sqlite3_bind_null(handle, index) }
                return try body()
            }
        }
        return try outcome!.get()
    }

    private func check(_ code: Int32, binding index: Int32) throws(StoreError) {
        guard code == SQLITE_OK else { throw database.error(code: code, context: "binding parameter \(index) of \(sql)") }
    }

    /// Steps once: true when a row is ready to read, false when the statement is done.
    func step() throws(StoreError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let error = database.error(code: code, context: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws(StoreError) {
        defer { reset() }
        _ = try step()
    }

    func uint64(_ column: Int32) -> UInt64 {
        UInt64(bitPattern: sqlite3_column_int64(handle, column))
    }

    func bytes(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    func reset() {
        sqlite3_reset(handle)
    }
}

@available(*, unavailable)
extension SQLiteStatement: Sendable {}

import CSQLite
import SurgeCore

/// Owns one `sqlite3` connection handle; closes it in `deinit`, also when opening fails half way.
final class SQLiteDatabase {
    let handle: OpaquePointer

    /// Opens (creating when missing) the database file at `path`, for use by one thread at a time.
    init(path: String, busyTimeoutMillis: Int) throws(StoreError) {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw StoreError(.cannotOpen, "cannot open SQLite database '\(path)': \(message)", engineCode: code)
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Int32(clamping: busyTimeoutMillis))
    }

    deinit {
        // Statements are finalised by their owners first (they hold a strong reference to this database).
        sqlite3_close_v2(handle)
    }

    /// Runs SQL without results (schema, pragmas, transaction control done once).
    func execute(_ sql: String) throws(StoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let detail = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(errorMessage)
            throw SQLiteDatabase.error(code: code, detail: detail, context: sql)
        }
    }

    func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        try SQLiteStatement(database: self, sql: sql)
    }

    /// The error for a failed call, with the connection's message.
    func error(code: Int32, context: String) -> StoreError {
        SQLiteDatabase.error(code: code, detail: String(cString: sqlite3_errmsg(handle)), context: context)
    }

    /// Maps an SQLite result code to the ``StoreError`` kind a caller can act on.
    static func error(code: Int32, detail: String, context: String) -> StoreError {
        let primary = code & 0xff
        let snippet = context.count > 80 ? context.prefix(77) + "..." : Substring(context)
        switch primary {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(.busy,
                "SQLite was busy (\(detail)) in '\(snippet)'; another writer held the lock past busy-timeout-ms; raise it or use commit=group",
                engineCode: code)
        case SQLITE_FULL:
            return StoreError(.storeFull, "SQLite: the disk is full (\(detail)); free space and run again", engineCode: code)
        case SQLITE_NOTADB:
            return StoreError(.notAStore, "the file is not an SQLite database (\(detail))", engineCode: code)
        case SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_PERM:
            return StoreError(.cannotOpen, "SQLite cannot open or write its files (\(detail)); check the path and its permissions", engineCode: code)
        default:
            return StoreError(.engine, "SQLite error \(code) (\(detail)) in '\(snippet)'", engineCode: code)
        }
    }

    /// The linked library's version, for results.
    static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

@available(*, unavailable)
extension SQLiteDatabase: Sendable {}

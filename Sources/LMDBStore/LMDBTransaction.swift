import CLMDB
import SurgeCore

/// A view of an open `MDB_txn` (read or write) with the store's databases. It owns nothing: the connection that
/// began the transaction commits, resets or aborts it. Returned bytes are valid until the transaction ends or
/// (in a write transaction) the next write.
struct LMDBTransaction {
    let handle: OpaquePointer
    private let storedDatabases: LMDBEnvironment.Databases?

    init(handle: OpaquePointer, databases: LMDBEnvironment.Databases?) {
        self.handle = handle
        self.storedDatabases = databases
    }

    var databases: LMDBEnvironment.Databases {
        guard let storedDatabases else { preconditionFailure("setup transaction has no store databases") }
        return storedDatabases
    }

    func get(_ database: MDB_dbi, _ key: LMDBKey) throws(StoreError) -> UnsafeRawBufferPointer? {
        try key.withValue { (keyValue) throws(StoreError) in try get(database, &keyValue) }
    }

    func get(_ database: MDB_dbi, bytes key: [UInt8]) throws(StoreError) -> UnsafeRawBufferPointer? {
        var copy = key
        var value = MDB_val()
        let code = copy.withUnsafeMutableBytes { buffer in
            var keyValue = MDB_val(mv_size: buffer.count, mv_data: buffer.baseAddress)
            return mdb_get(handle, database, &keyValue, &value)
        }
        return try found(code, value)
    }

    private func get(_ database: MDB_dbi, _ key: inout MDB_val) throws(StoreError) -> UnsafeRawBufferPointer? {
        var value = MDB_val()
        return try found(mdb_get(handle, database, &key, &value), value)
    }

    private func found(_ code: Int32, _ value: MDB_val) throws(StoreError) -> UnsafeRawBufferPointer? {
        if code == MDB_NOTFOUND { return nil }
        try check(code, "reading")
        return value.bytes
    }

    func put(_ database: MDB_dbi, _ key: LMDBKey, _ value: [UInt8]) throws(StoreError) {
        let code = key.withValue { keyValue in putReturningCode(database, &keyValue, value) }
        try check(code, "writing")
    }

    func put(_ database: MDB_dbi, bytes key: [UInt8], _ value: [UInt8]) throws(StoreError) {
        var copy = key
        let code = copy.withUnsafeMutableBytes { buffer in
            var keyValue = MDB_val(mv_size: buffer.count, mv_data: buffer.baseAddress)
            return putReturningCode(database, &keyValue, value)
        }
        try check(code, "writing")
    }

    private func putReturningCode(_ database: MDB_dbi, _ key: inout MDB_val, _ value: [UInt8]) -> Int32 {
        var copy = value
        return copy.withUnsafeMutableBytes { buffer in
            var data = MDB_val(mv_size: buffer.count, mv_data: buffer.baseAddress)
            return mdb_put(handle, database, &key, &data, 0)
        }
    }

    /// Runs `body` with a cursor on `database`, closed before returning (LMDB requires it before commit).
    func withCursor<Result>(_ database: MDB_dbi, _ body: (LMDBCursor) throws(StoreError) -> Result) throws(StoreError) -> Result {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(handle, database, &cursor), "opening a cursor")
        defer { mdb_cursor_close(cursor) }
        return try body(LMDBCursor(handle: cursor!))
    }
}

/// A view of an open `MDB_cursor`, valid inside ``LMDBTransaction/withCursor(_:_:)``.
struct LMDBCursor {
    let handle: OpaquePointer
    typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    func first() throws(StoreError) -> Entry? { try move(MDB_FIRST) }
    func last() throws(StoreError) -> Entry? { try move(MDB_LAST) }
    func next() throws(StoreError) -> Entry? { try move(MDB_NEXT) }
    func previous() throws(StoreError) -> Entry? { try move(MDB_PREV) }

    /// The first entry whose key is at or after `key`.
    func seek(atOrAfter key: LMDBKey) throws(StoreError) -> Entry? {
        try key.withValue { (keyValue) throws(StoreError) in
            var value = MDB_val()
            let code = mdb_cursor_get(handle, &keyValue, &value, MDB_SET_RANGE)
            if code == MDB_NOTFOUND { return nil }
            try check(code, "seeking")
            return (keyValue.bytes, value.bytes)
        }
    }

    /// Overwrites the value at the cursor's position, whose key is `currentKey`.
    func replaceCurrent(key currentKey: UnsafeRawBufferPointer, with value: [UInt8]) throws(StoreError) {
        var copy = value
        let code = copy.withUnsafeMutableBytes { buffer in
            var key = MDB_val(mv_size: currentKey.count, mv_data: UnsafeMutableRawPointer(mutating: currentKey.baseAddress))
            var data = MDB_val(mv_size: buffer.count, mv_data: buffer.baseAddress)
            return mdb_cursor_put(handle, &key, &data, UInt32(MDB_CURRENT))
        }
        try check(code, "writing")
    }

    private func move(_ operation: MDB_cursor_op) throws(StoreError) -> Entry? {
        var key = MDB_val()
        var value = MDB_val()
        let code = mdb_cursor_get(handle, &key, &value, operation)
        if code == MDB_NOTFOUND { return nil }
        try check(code, "moving a cursor")
        return (key.bytes, value.bytes)
    }
}

/// A chat's header value: kind, last sequence, last activity.
struct LMDBChat {
    var kind: UInt64
    var lastSequence: UInt64
    var lastActivity: UInt64

    init(kind: UInt64, lastSequence: UInt64, lastActivity: UInt64) {
        self.kind = kind
        self.lastSequence = lastSequence
        self.lastActivity = lastActivity
    }

    init(_ bytes: UnsafeRawBufferPointer) {
        self.init(kind: bytes.word(at: 0), lastSequence: bytes.word(at: 1), lastActivity: bytes.word(at: 2))
    }

    var bytes: [UInt8] { [UInt8](words: kind, lastSequence, lastActivity) }
}

import CLMDB
import StoreSupport
import SurgeCore

/// A view of an open `MDB_txn` (read or write) with the store's databases. It owns nothing: the connection that
/// began the transaction commits, resets or aborts it. Returned bytes are valid until the transaction ends or
/// (in a write transaction) the next write.
public struct LMDBTransaction {
    let handle: OpaquePointer
    private let storedDatabases: LMDBEnvironment.Databases?
    /// The environment whose counters (ids, activity clock) writes advance; nil in the setup transaction.
    private let owner: LMDBEnvironment?

    init(handle: OpaquePointer, databases: LMDBEnvironment.Databases?, environment: LMDBEnvironment? = nil) {
        self.handle = handle
        self.storedDatabases = databases
        owner = environment
    }

    var environment: LMDBEnvironment {
        guard let owner else { preconditionFailure("setup transaction has no store environment") }
        return owner
    }

    var databases: LMDBEnvironment.Databases {
        guard let storedDatabases else { preconditionFailure("setup transaction has no store databases") }
        return storedDatabases
    }

    func get(_ database: MDB_dbi, _ key: LMDBKey) throws(StoreError) -> UnsafeRawBufferPointer? {
        try key.withValue { (keyValue) throws(StoreError) in try get(database, &keyValue) }
    }

    func get(_ database: MDB_dbi, bytes key: UnsafeRawBufferPointer) throws(StoreError) -> UnsafeRawBufferPointer? {
        var keyValue = MDB_val(key)
        return try get(database, &keyValue)
    }

    private func get(_ database: MDB_dbi, _ key: inout MDB_val) throws(StoreError) -> UnsafeRawBufferPointer? {
        var value = MDB_val()
        let code = mdb_get(handle, database, &key, &value)
        if code == MDB_NOTFOUND { return nil }
        try check(code, "reading")
        return value.bytes
    }

    func put(_ database: MDB_dbi, _ key: LMDBKey, _ value: LMDBWords) throws(StoreError) {
        try key.withValue { (keyValue) throws(StoreError) in
            try value.withValue { (data) throws(StoreError) in try put(database, &keyValue, &data, flags: 0) }
        }
    }

    func put(_ database: MDB_dbi, _ key: LMDBKey, bytes value: UnsafeRawBufferPointer) throws(StoreError) {
        var data = MDB_val(value)
        try key.withValue { (keyValue) throws(StoreError) in try put(database, &keyValue, &data, flags: 0) }
    }

    func put(_ database: MDB_dbi, bytes key: UnsafeRawBufferPointer, _ value: LMDBWords) throws(StoreError) {
        var keyValue = MDB_val(key)
        try value.withValue { (data) throws(StoreError) in try put(database, &keyValue, &data, flags: 0) }
    }

    func put(_ database: MDB_dbi, bytes key: UnsafeRawBufferPointer, bytes value: UnsafeRawBufferPointer) throws(StoreError) {
        var keyValue = MDB_val(key)
        var data = MDB_val(value)
        try put(database, &keyValue, &data, flags: 0)
    }

    /// Stores `byteCount` bytes under `key` that `fill` writes straight into LMDB's page (`MDB_RESERVE`): no copy
    /// of the value is made first.
    func put(_ database: MDB_dbi, _ key: LMDBKey, reserving byteCount: Int, fill: (UnsafeMutableRawBufferPointer) -> Void)
        throws(StoreError)
    {
        var data = MDB_val(mv_size: byteCount, mv_data: nil)
        try key.withValue { (keyValue) throws(StoreError) in try put(database, &keyValue, &data, flags: UInt32(MDB_RESERVE)) }
        fill(UnsafeMutableRawBufferPointer(start: data.mv_data, count: byteCount))
    }

    private func put(_ database: MDB_dbi, _ key: inout MDB_val, _ value: inout MDB_val, flags: UInt32) throws(StoreError) {
        try check(mdb_put(handle, database, &key, &value, flags), "writing")
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
    func replaceCurrent(key currentKey: UnsafeRawBufferPointer, with value: LMDBWords) throws(StoreError) {
        var key = MDB_val(currentKey)
        let code = value.withValue { data in mdb_cursor_put(handle, &key, &data, UInt32(MDB_CURRENT)) }
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

/// A chat's header value in LMDB: three words.
extension ChatHeader {
    init(_ bytes: UnsafeRawBufferPointer) {
        self.init(kind: bytes.word(at: 0), lastSequence: bytes.word(at: 1), lastActivity: bytes.word(at: 2))
    }

    var words: LMDBWords { LMDBWords(kind, lastSequence, lastActivity) }
}

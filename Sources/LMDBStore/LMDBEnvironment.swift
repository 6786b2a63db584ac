import CLMDB
import Foundation
import StoreSupport
import Synchronization
import SurgeCore

/// Owns one `MDB_env` and its named databases; closes it when the last user lets go (store and connections),
/// so no transaction can outlive it.
final class LMDBEnvironment: Sendable {
    /// The sub-databases, keyed by big-endian words (see ``LMDBMessageStore`` for the layout).
    struct Databases: Sendable {
        var meta, users, phones, contacts, chats, directChats, members, userChats, messages, sends: MDB_dbi
    }

    /// LMDB forbids opening one environment twice in a process; these are the real paths open now.
    private static let openPaths = Mutex<Set<String>>([])
    private static let formatKey = "format"
    private static let formatValue = "surgebench-lmdb-1"

    nonisolated(unsafe) let handle: OpaquePointer  // MDB_env is safe to share between threads
    let databases: Databases
    let directory: StoreDirectory
    private let realPath: String
    /// Identifier allocation and the inbox clock; only advanced inside the single write transaction.
    let lastUserID: Atomic<UInt64>
    let lastChatID: Atomic<UInt64>
    let activityClock: Atomic<UInt64>

    init(directory: StoreDirectory, mapSizeBytes: Int, maxReaders: Int, durability: LMDBDurability) throws(StoreError) {
        guard let resolved = realpath(directory.path, nil) else {
            throw StoreError(.cannotOpen, "cannot resolve LMDB store path '\(directory.path)'")
        }
        realPath = String(cString: resolved)
        free(resolved)
        let realPath = self.realPath
        guard Self.openPaths.withLock({ $0.insert(realPath).inserted }) else {
            throw StoreError(.cannotOpen,
                "the LMDB store at '\(directory.path)' is already open in this process; close it first (LMDB forbids opening an environment twice)")
        }
        var environment: OpaquePointer?
        var code = mdb_env_create(&environment)
        guard code == MDB_SUCCESS, let environment else {
            Self.openPaths.withLock { _ = $0.remove(realPath) }
            throw StoreError.lmdb(code, "creating the environment")
        }
        do throws(StoreError) {
            try check(mdb_env_set_mapsize(environment, mapSizeBytes), "setting map-size")
            try check(mdb_env_set_maxreaders(environment, UInt32(maxReaders)), "setting max-readers")
            try check(mdb_env_set_maxdbs(environment, 16), "setting the number of databases")
            code = mdb_env_open(environment, directory.path, UInt32(MDB_NOTLS) | durability.environmentFlags, 0o644)
            try check(code, "opening '\(directory.path)'")
            let (databases, lastIDs) = try Self.openDatabases(environment, path: directory.path)
            self.databases = databases
            lastUserID = Atomic(lastIDs.user)
            lastChatID = Atomic(lastIDs.chat)
            activityClock = Atomic(lastIDs.activity)
        } catch {
            mdb_env_close(environment)
            Self.openPaths.withLock { _ = $0.remove(realPath) }
            throw error
        }
        handle = environment
        self.directory = directory
    }

    deinit {
        mdb_env_close(handle)
        let realPath = self.realPath
        Self.openPaths.withLock { _ = $0.remove(realPath) }
        directory.removeIfTemporary()
    }

    /// Flushes every commit to disk, whatever the durability mode.
    func sync() {
        mdb_env_sync(handle, 1)
    }

    /// Opens (creating on first use) the named databases, checks the format marker, and reads the last ids.
    private static func openDatabases(_ environment: OpaquePointer, path: String) throws(StoreError)
        -> (Databases, (user: UInt64, chat: UInt64, activity: UInt64))
    {
        var raw: OpaquePointer?
        try check(mdb_txn_begin(environment, nil, 0, &raw), "beginning the setup transaction")
        let transaction = LMDBTransaction(handle: raw!, databases: nil)
        do throws(StoreError) {
            var mainDatabase: MDB_dbi = 0
            try check(mdb_dbi_open(raw, nil, 0, &mainDatabase), "opening the main database")
            let isEmpty = try transaction.withCursor(mainDatabase) { cursor throws(StoreError) in try cursor.first() == nil }
            func open(_ name: String) throws(StoreError) -> MDB_dbi {
                var dbi: MDB_dbi = 0
                try check(mdb_dbi_open(raw, name, UInt32(MDB_CREATE), &dbi), "opening database '\(name)'")
                return dbi
            }
            let meta: MDB_dbi
            if isEmpty {
                meta = try open("meta")
                try formatKey.withUTF8Bytes { (key) throws(StoreError) in
                    try formatValue.withUTF8Bytes { (value) throws(StoreError) in try transaction.put(meta, bytes: key, bytes: value) }
                }
            } else {
                var dbi: MDB_dbi = 0
                let code = mdb_dbi_open(raw, "meta", 0, &dbi)
                guard code == MDB_SUCCESS,
                      try formatKey.withUTF8Bytes({ (key) throws(StoreError) in try transaction.get(dbi, bytes: key).map(Array.init) })
                        == Array(formatValue.utf8) else {
                    throw StoreError(.notAStore,
                        "'\(path)' is an LMDB environment but not a SurgeBench store; point path= at an empty directory or an lmdb store's")
                }
                meta = dbi
            }
            let databases = Databases(
                meta: meta, users: try open("users"), phones: try open("phones"), contacts: try open("contacts"),
                chats: try open("chats"), directChats: try open("direct_chats"), members: try open("members"),
                userChats: try open("user_chats"), messages: try open("messages"), sends: try open("sends"))
            let lastUser = try transaction.withCursor(databases.users) { c throws(StoreError) in try c.last()?.key.word(at: 0) ?? 0 }
            let lastChat = try transaction.withCursor(databases.chats) { c throws(StoreError) in try c.last()?.key.word(at: 0) ?? 0 }
            var activity: UInt64 = 0
            try transaction.withCursor(databases.chats) { cursor throws(StoreError) in
                var entry = try cursor.first()
                while let (_, value) = entry {
                    activity = max(activity, ChatHeader(value).lastActivity)
                    entry = try cursor.next()
                }
            }
            try check(mdb_txn_commit(raw), "committing the setup transaction")
            return (databases, (lastUser, lastChat, activity))
        } catch {
            mdb_txn_abort(raw)
            throw error
        }
    }

    static var libraryVersion: String { String(cString: mdb_version(nil, nil, nil)) }
}

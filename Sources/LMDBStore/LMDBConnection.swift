import CLMDB
import StoreSupport
import SurgeCore

/// One worker's connection to an ``LMDBMessageStore``.
///
/// It keeps one read transaction, reset after every read and renewed before the next (MDB_NOTLS lets any thread
/// renew it). Writes take LMDB's single writer lock, one transaction per write or one per group.
public final class LMDBConnection: TransactionalConnection {
    private let store: LMDBMessageStore
    private let environment: LMDBEnvironment
    private let readHandle: OpaquePointer

    init(store: LMDBMessageStore) throws(StoreError) {
        self.store = store
        environment = store.environment
        var handle: OpaquePointer?
        try check(mdb_txn_begin(environment.handle, nil, UInt32(MDB_RDONLY), &handle), "beginning a read transaction")
        mdb_txn_reset(handle)
        readHandle = handle!
    }

    deinit {
        mdb_txn_abort(readHandle)
    }

    // MARK: Transactions

    /// Renews the connection's read transaction, runs `body` in it, and resets it.
    public func read<Result>(_ body: (LMDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        try check(mdb_txn_renew(readHandle), "renewing a read transaction")
        defer { mdb_txn_reset(readHandle) }
        return try body(LMDBTransaction(handle: readHandle, databases: environment.databases, environment: environment))
    }

    /// The store's group-commit queue; nil under per-op commit.
    public var groupCommit: GroupCommitQueue<LMDBTransaction>? { store.groupCommit }

    /// Begins LMDB's one write transaction (waiting for the writer lock), runs `body`, and commits or aborts.
    public func writeTransaction<Result>(_ body: (LMDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        var handle: OpaquePointer?
        try check(mdb_txn_begin(environment.handle, nil, 0, &handle), "beginning a write transaction")
        let result: Result
        do throws(StoreError) {
            result = try body(LMDBTransaction(handle: handle!, databases: environment.databases, environment: environment))
        } catch {
            mdb_txn_abort(handle)
            throw error
        }
        try check(mdb_txn_commit(handle), "committing")  // frees the transaction whether it succeeds or not
        return result
    }
}

@available(*, unavailable)
extension LMDBConnection: Sendable {}

extension LMDBMessageStore: IntegrityChecking {
    /// Walks every entry of every sub-database in one read transaction: a damaged page makes a cursor fail.
    public func checkEngineIntegrity() throws(StoreError) -> [String] {
        let databases = environment.databases
        let all = [("meta", databases.meta), ("users", databases.users), ("phones", databases.phones), ("contacts", databases.contacts),
                   ("chats", databases.chats), ("direct-chats", databases.directChats), ("members", databases.members),
                   ("user-chats", databases.userChats), ("messages", databases.messages), ("sends", databases.sends)]
        var problems: [String] = []
        try connect().read { transaction throws(StoreError) in
            for (name, database) in all {
                do throws(StoreError) {
                    try transaction.withCursor(database) { cursor throws(StoreError) in
                        var entry = try cursor.first()
                        while entry != nil { entry = try cursor.next() }
                    }
                } catch {
                    problems.append("LMDB sub-database '\(name)' cannot be walked: \(error.message)")
                }
            }
        }
        return problems
    }
}

import CLMDB
import SurgeCore

/// One worker's connection to an ``LMDBMessageStore``.
///
/// It keeps one read transaction, reset after every read and renewed before the next (MDB_NOTLS lets any thread
/// renew it). Writes take LMDB's single writer lock, one transaction per write or one per group.
public final class LMDBConnection: StoreConnection {
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

    func read<Result>(_ body: (LMDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        try check(mdb_txn_renew(readHandle), "renewing a read transaction")
        defer { mdb_txn_reset(readHandle) }
        return try body(LMDBTransaction(handle: readHandle, databases: environment.databases))
    }

    /// Runs `body` as a write: its own transaction under per-op commit, part of a group under group commit.
    private func write<Result>(_ body: (LMDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        guard let groupCommit = store.groupCommit else { return try writeTransaction(body) }
        return try groupCommit.perform(body) { group throws(StoreError) in try writeTransaction(group) }
    }

    /// Begins LMDB's one write transaction (waiting for the writer lock), runs `body`, and commits or aborts.
    private func writeTransaction<Result>(_ body: (LMDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        var handle: OpaquePointer?
        try check(mdb_txn_begin(environment.handle, nil, 0, &handle), "beginning a write transaction")
        let result: Result
        do throws(StoreError) {
            result = try body(LMDBTransaction(handle: handle!, databases: environment.databases))
        } catch {
            mdb_txn_abort(handle)
            throw error
        }
        try check(mdb_txn_commit(handle), "committing")  // frees the transaction whether it succeeds or not
        return result
    }

    // MARK: Operations

    public func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration {
        try Validation.checkDisplayName(displayName)
        let environment = environment
        return try write { transaction throws(StoreError) in try transaction.register(phone, displayName, in: environment) }
    }

    public func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        let distinct = Validation.distinctPhones(phones)
        return try write { transaction throws(StoreError) in try transaction.importContacts(of: owner, distinct) }
    }

    public func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID {
        try Validation.checkDirectPair(first, second)
        let (low, high) = first < second ? (first, second) : (second, first)
        // Most calls find the chat: answer them without taking the writer lock.
        if let chat = try read({ transaction throws(StoreError) in try transaction.findDirectChat(low, high) }) { return chat }
        let environment = environment
        return try write { transaction throws(StoreError) in try transaction.createDirectChat(low, high, in: environment) }
    }

    public func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID {
        let all = try Validation.groupMembers(creator: creator, members: members)
        let environment = environment
        return try write { transaction throws(StoreError) in
            try transaction.createChat(kind: LMDBTransaction.groupKind, members: all, in: environment)
        }
    }

    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try Validation.checkBody(body)
        let environment = environment
        return try write { transaction throws(StoreError) in
            try transaction.send(body, to: chat, from: sender, clientMessageID: clientMessageID, in: environment)
        }
    }

    public func history(of chat: ChatID, before: UInt64?, limit: Int) throws(StoreError) -> [Message] {
        try Validation.checkLimit(limit)
        return try read { transaction throws(StoreError) in try transaction.history(of: chat, before: before, limit: limit) }
    }

    public func markRead(_ chat: ChatID, by user: UserID, upTo sequence: UInt64) throws(StoreError) -> UInt64 {
        try write { transaction throws(StoreError) in try transaction.markRead(chat, by: user, upTo: sequence) }
    }

    public func inbox(of user: UserID, limit: Int) throws(StoreError) -> [InboxEntry] {
        try Validation.checkLimit(limit)
        return try read { transaction throws(StoreError) in try transaction.inbox(of: user, limit: limit) }
    }

    public func user(withPhone phone: PhoneNumber) throws(StoreError) -> UserID? {
        try read { transaction throws(StoreError) in try transaction.findUser(phone: phone) }
    }

    public func summarize(chat: (StoreSummary.Chat) -> Void) throws(StoreError) -> Int {
        try read { transaction throws(StoreError) in try transaction.summarize(chat: chat) }
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

import CRocksDB
import SurgeCore

/// One worker's connection to a ``RocksDBMessageStore``: its own read options and a transaction object reused from
/// operation to operation, as RocksDB intends. A write is a pessimistic transaction (see
/// ``RocksDBTransaction``), its own or, under group commit, a group's; a read is a transaction that only reads, at
/// one snapshot.
public final class RocksDBConnection: StoreConnection {
    private let store: RocksDBMessageStore
    private let database: RocksDBDatabase
    private let reads = RocksDBReadOptions()
    /// Begun once and begun again for every operation (`rocksdb_transaction_begin` with the old transaction).
    private let reusable: OpaquePointer

    init(store: RocksDBMessageStore) {
        self.store = store
        database = store.database
        reusable = rocksdb_transaction_begin(database.handle, database.writeOptions, database.transactionOptions, nil)
    }

    deinit {
        rocksdb_transaction_destroy(reusable)
    }

    // MARK: Transactions

    private func read<Result>(_ body: (RocksDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        let snapshot = rocksdb_transactiondb_create_snapshot(database.handle)
        reads.setSnapshot(snapshot)
        defer {
            reads.setSnapshot(nil)
            rocksdb_transactiondb_release_snapshot(database.handle, snapshot)
        }
        return try transaction(body)
    }

    /// Runs `body` as a write: its own transaction under per-op commit, part of a group under group commit.
    private func write<Result>(_ body: (RocksDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        guard let groupCommit = store.groupCommit else { return try transaction(body) }
        return try groupCommit.perform(body) { group throws(StoreError) in try transaction(group) }
    }

    private func transaction<Result>(_ body: (RocksDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        try database.withTransaction(reads: reads, reusing: reusable, body)
    }

    // MARK: Operations

    public func register(phone: PhoneNumber, displayName: String) throws(StoreError) -> Registration {
        try Validation.checkDisplayName(displayName)
        return try write { transaction throws(StoreError) in try transaction.register(phone, displayName) }
    }

    public func importContacts(of owner: UserID, phones: [PhoneNumber]) throws(StoreError) -> [ContactMatch] {
        let distinct = Validation.distinctPhones(phones)
        return try write { transaction throws(StoreError) in try transaction.importContacts(of: owner, distinct) }
    }

    public func directChat(between first: UserID, and second: UserID) throws(StoreError) -> ChatID {
        try Validation.checkDirectPair(first, second)
        let (low, high) = first < second ? (first, second) : (second, first)
        // Most calls find the chat: answer them without taking a lock.
        if let chat = try read({ transaction throws(StoreError) in try transaction.findDirectChat(low, high) }) { return chat }
        return try write { transaction throws(StoreError) in try transaction.createDirectChat(low, high) }
    }

    public func createGroup(by creator: UserID, members: [UserID]) throws(StoreError) -> ChatID {
        let all = try Validation.groupMembers(creator: creator, members: members)
        return try write { transaction throws(StoreError) in try transaction.createChat(kind: RocksDBTransaction.groupKind, members: all) }
    }

    public func send(_ body: [UInt8], to chat: ChatID, from sender: UserID, clientMessageID: UInt64) throws(StoreError) -> SendReceipt {
        try Validation.checkBody(body)
        return try write { transaction throws(StoreError) in
            try transaction.send(body, to: chat, from: sender, clientMessageID: clientMessageID)
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
extension RocksDBConnection: Sendable {}

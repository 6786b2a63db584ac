import CRocksDB
import StoreSupport
import SurgeCore

/// One worker's connection to a ``RocksDBMessageStore``: its own read options and a transaction object reused from
/// operation to operation, as RocksDB intends. A write is a pessimistic transaction (see
/// ``RocksDBTransaction``), its own or, under group commit, a group's; a read is a transaction that only reads, at
/// one snapshot.
public final class RocksDBConnection: TransactionalConnection {
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

    /// Runs `body` in a transaction that reads at one snapshot.
    public func read<Result>(_ body: (RocksDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        let snapshot = rocksdb_transactiondb_create_snapshot(database.handle)
        reads.setSnapshot(snapshot)
        defer {
            reads.setSnapshot(nil)
            rocksdb_transactiondb_release_snapshot(database.handle, snapshot)
        }
        return try writeTransaction(body)
    }

    /// The store's group-commit queue; nil under per-op commit.
    public var groupCommit: GroupCommitQueue<RocksDBTransaction>? { store.groupCommit }

    /// Begins a transaction on the reusable handle, runs `body`, and commits it (or rolls it back when it throws).
    public func writeTransaction<Result>(_ body: (RocksDBTransaction) throws(StoreError) -> Result) throws(StoreError) -> Result {
        try database.withTransaction(reads: reads, reusing: reusable, body)
    }
}

@available(*, unavailable)
extension RocksDBConnection: Sendable {}

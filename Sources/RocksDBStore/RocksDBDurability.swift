import CRocksDB

/// What a RocksDB commit has reached when it returns.
public enum RocksDBDurability: String, Sendable, CaseIterable {
    /// The write-ahead log is written at every commit but not synced (RocksDB's default): a process crash loses
    /// nothing, an OS crash or power loss can lose the last commits.
    case nosync
    /// The write-ahead log is synced at every commit (`WriteOptions.sync`); concurrent commits share a sync.
    case sync
    /// No write-ahead log: commits live in the memtable until a flush, so a crash loses everything not flushed.
    /// For comparison only.
    case disableWAL = "disable-wal"

    /// The write options a commit uses in this mode.
    func makeWriteOptions() -> OpaquePointer {
        let options = rocksdb_writeoptions_create()!
        rocksdb_writeoptions_set_sync(options, self == .sync ? 1 : 0)
        rocksdb_writeoptions_disable_WAL(options, self == .disableWAL ? 1 : 0)
        return options
    }
}

import CRocksDB
import SurgeCore

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

    /// What RocksDB's documentation (its WAL and write options) promises for each mode, cheapest first.
    static let modes = [
        DurabilityMode("disable-wal", processKill: .mayLoseRecent, powerLoss: .mayLoseRecent,
                       documentation: "WriteOptions.disableWAL: writes since the last memtable flush are lost on any crash (RocksDB wiki: WAL)"),
        DurabilityMode("nosync", processKill: .keepsEverything, powerLoss: .mayLoseRecent,
                       documentation: "WriteOptions.sync=false: a process crash loses nothing, a machine crash may lose the last writes; "
                           + "recovery replays the WAL to a consistent point (RocksDB wiki: WAL, Basic Operations)"),
        DurabilityMode("sync", processKill: .keepsEverything, powerLoss: .keepsEverything,
                       documentation: "WriteOptions.sync=true: the WAL is synced before a write returns (RocksDB wiki: Basic Operations)"),
    ]
}

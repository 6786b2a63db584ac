import CLMDB
import SurgeCore

/// How hard an LMDB commit tries to reach the disk.
public enum LMDBDurability: String, Sendable, CaseIterable {
    /// `MDB_NOSYNC`: no sync at commit; an OS crash or power loss can lose or corrupt recent commits.
    case nosync
    /// `MDB_NOMETASYNC`: data pages synced, the meta page not; a crash can lose the last commit, never corrupts.
    case nometasync
    /// Full sync of data and meta page at every commit.
    case sync

    var environmentFlags: UInt32 {
        switch self {
        case .nosync: UInt32(MDB_NOSYNC)
        case .nometasync: UInt32(MDB_NOMETASYNC)
        case .sync: 0
        }
    }

    /// What LMDB's documentation (`mdb_env_open` flags) promises for each mode, cheapest first.
    static let modes = [
        DurabilityMode("nosync", processKill: .keepsEverything, powerLoss: .nothing,
                       documentation: "MDB_NOSYNC: a system crash can corrupt the database or lose the last transactions (lmdb.h, mdb_env_open)"),
        DurabilityMode("nometasync", processKill: .keepsEverything, powerLoss: .mayLoseRecent,
                       documentation: "MDB_NOMETASYNC: a system crash may undo the last committed transaction; keeps integrity (lmdb.h, mdb_env_open)"),
        DurabilityMode("sync", processKill: .keepsEverything, powerLoss: .keepsEverything,
                       documentation: "default flags: data and meta page flushed at every commit: full ACID (lmdb.h, mdb_env_open)"),
    ]
}

import CLMDB

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
}

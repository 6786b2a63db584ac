/// Calls that ask the kernel to make written data durable, counted by SurgeBench's sync-counting library
/// (libSurgePowerCut.so, loaded with LD_PRELOAD) in a process, or in every process of a server. Cumulative.
public struct SyncCounts: Sendable, Hashable, Codable {
    /// `fsync()` calls that succeeded.
    public var fsync: UInt64 = 0
    /// `fdatasync()` calls that succeeded.
    public var fdatasync: UInt64 = 0
    /// Writes each durable on return: through a descriptor opened `O_SYNC` or `O_DSYNC`, or with `RWF_SYNC`/`RWF_DSYNC`.
    public var syncWrites: UInt64 = 0
    /// `sync()` and `syncfs()` calls.
    public var syncAll: UInt64 = 0
    /// `msync()` calls with `MS_SYNC`.
    public var msync: UInt64 = 0
    /// `sync_file_range()` calls: they start or await writeback but make nothing durable (no metadata, no flush of
    /// the disk's cache), so ``durable`` leaves them out.
    public var syncFileRange: UInt64 = 0

    /// No call counted.
    public static let zero = SyncCounts()

    public init() {}

    /// The counters in the library's layout (`SYNC_COUNT_*` of powercut.h): fsync, fdatasync, sync writes, sync/syncfs,
    /// msync, sync_file_range, then two unused words.
    public init(words: [UInt64]) {
        func word(_ index: Int) -> UInt64 { index < words.count ? words[index] : 0 }
        fsync = word(0)
        fdatasync = word(1)
        syncWrites = word(2)
        syncAll = word(3)
        msync = word(4)
        syncFileRange = word(5)
    }

    /// Calls that made data durable: everything but `sync_file_range()`.
    public var durable: UInt64 { fsync + fdatasync + syncWrites + syncAll + msync }

    /// The counts of `lhs` made since `rhs` was read (counters only grow; a counter that went back reads as 0).
    public static func - (lhs: SyncCounts, rhs: SyncCounts) -> SyncCounts {
        lhs.combined(with: rhs) { $0 >= $1 ? $0 - $1 : 0 }
    }

    public static func + (lhs: SyncCounts, rhs: SyncCounts) -> SyncCounts {
        lhs.combined(with: rhs) { $0 &+ $1 }
    }

    private func combined(with other: SyncCounts, _ operation: (UInt64, UInt64) -> UInt64) -> SyncCounts {
        var result = SyncCounts()
        result.fsync = operation(fsync, other.fsync)
        result.fdatasync = operation(fdatasync, other.fdatasync)
        result.syncWrites = operation(syncWrites, other.syncWrites)
        result.syncAll = operation(syncAll, other.syncAll)
        result.msync = operation(msync, other.msync)
        result.syncFileRange = operation(syncFileRange, other.syncFileRange)
        return result
    }
}

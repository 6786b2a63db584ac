/// What a simulated power cut leaves of a store's files: the model ``PowerCutJournal`` applies.
public enum PowerCutModel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every file goes back exactly to its last sync; every directory operation (create, rename, unlink) is kept. A
    /// file system that writes nothing back between syncs and journals its metadata at once.
    case strict
    /// Since each file's last sync, a seeded random half of its writes survive, in any combination (later ones
    /// without earlier ones); a surviving write of several 512-byte sectors is torn in half of the cases, each of its
    /// sectors then wholly new or wholly old; a size change survives or not the same way. The directory operations
    /// since their directory's last fsync survive as a seeded prefix, the rest undone newest first (metadata is
    /// journaled in order, as ext4 does). Synced data, synced directories and `O_SYNC`/`O_DSYNC` writes always
    /// survive. What a page cache that writes back in any order, and a disk that reorders and tears, can leave.
    case reorder

    /// One line for tables and crash records.
    public var summary: String {
        switch self {
        case .strict: "every file back to its last sync; directory operations kept"
        case .reorder: "unsynced writes survive at random, torn at 512-byte sectors; unsynced directory operations undone"
        }
    }
}

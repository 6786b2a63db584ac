import CRocksDB
import StoreSupport
import SurgeCore

/// A message store in one RocksDB database (an LSM tree), through the C API's pessimistic `TransactionDB`.
///
/// Layout: a column family per table, keyed by big-endian words as LMDB's databases are: `users` id → phone and
/// name; `phones` phone → id; `contacts` (owner, contact); `chats` id → kind, last sequence, last activity;
/// `direct_chats` (low user, high user) → chat; `members` (chat, user) → read watermark and unread count (raised by
/// every send); `user_chats` (user, chat) for inboxes; `messages` (chat, seq) → sender, client id, body, so a history
/// page is one backward prefix seek; `sends` (sender, client id) → (chat, seq) for idempotent resends. The first
/// word of a key is its prefix: bloom filters answer "no rows for this chat" without reading a block.
///
/// Why transactions with locks: a send must read the chat's last sequence, write the next, and raise the other
/// members' unread counts with no other writer in between; `GetForUpdate` on the chat's header makes one chat's
/// sends take turns while other chats' proceed in parallel, and RocksDB still groups the commits of concurrent
/// transactions into one write-ahead-log write (and one sync).
public final class RocksDBMessageStore: MessageStore {
    /// What the store was opened with.
    public struct Configuration: Sendable, Hashable {
        public var durability: RocksDBDurability
        public var commit: CommitSettings
        public var blockCacheBytes: Int
        public var writeBufferBytes: Int
        public var compaction: Compaction
        public var compression: Compression

        public init(_ options: BackendOptions) throws(StoreError) {
            durability = try options.choice(RocksDBMessageStore.durabilityModes.option, as: RocksDBDurability.self)
            commit = try CommitSettings(options)
            blockCacheBytes = try options.byteSize(RocksDBMessageStore.blockCacheOption, in: (1 << 20)...(1 << 40))
            writeBufferBytes = try options.byteSize(RocksDBMessageStore.writeBufferOption, in: (1 << 20)...(1 << 34))
            compaction = try options.choice(RocksDBMessageStore.compactionOption, as: Compaction.self)
            compression = try options.choice(RocksDBMessageStore.compressionOption, as: Compression.self)
        }
    }

    /// How files are merged as the tree grows.
    public enum Compaction: String, Sendable, CaseIterable {
        /// Levels of non-overlapping files, each about 10x the last (RocksDB's default): less space, more rewriting.
        case level
        /// Sorted runs merged by size: less rewriting (write amplification), more space and read cost.
        case universal

        var code: Int32 { Int32(self == .level ? rocksdb_level_compaction : rocksdb_universal_compaction) }
    }

    /// How data blocks are compressed (Debian's RocksDB links snappy, lz4 and zstd).
    public enum Compression: String, Sendable, CaseIterable {
        case none, snappy, lz4, zstd

        var code: Int32 {
            let code = switch self {
            case .none: rocksdb_no_compression
            case .snappy: rocksdb_snappy_compression
            case .lz4: rocksdb_lz4_compression
            case .zstd: rocksdb_zstd_compression
            }
            return Int32(code)
        }
    }

    static let durabilityModes = DurabilityModes(
        optionName: "durability",
        summary: "nosync: the write-ahead log written at every commit, not synced (RocksDB's default; survives a process "
            + "crash, not a power loss); sync: the log synced at every commit; disable-wal: no log, for comparison only "
            + "(a crash loses everything not flushed)",
        modes: RocksDBDurability.modes, defaultMode: RocksDBDurability.nosync.rawValue, bulkLoadMode: RocksDBDurability.disableWAL.rawValue)
    static let blockCacheOption = BackendOption(name: "block-cache", summary: "LRU cache of data blocks (1MiB...1TiB)", defaultValue: "256MiB")
    static let writeBufferOption = BackendOption(
        name: "write-buffer", summary: "memtable size per column family before it is flushed to a file (1MiB...16GiB)", defaultValue: "64MiB")
    static let compactionOption = BackendOption(
        name: "compaction", summary: "level: RocksDB's default; universal: less rewriting, more space",
        defaultValue: Compaction.level.rawValue, choices: Compaction.allCases.map(\.rawValue))
    static let compressionOption = BackendOption(
        name: "compression", summary: "compression of data blocks", defaultValue: Compression.lz4.rawValue,
        choices: Compression.allCases.map(\.rawValue))

    /// How the backend is listed and opened by name.
    public static let descriptor = BackendDescriptor(
        name: "rocksdb",
        summary: "\(RocksDBDatabase.libraryVersion), an LSM tree: pessimistic transactions, a column family per table, prefix bloom filters",
        engineVersion: RocksDBDatabase.libraryVersion,
        location: .directory,
        options: [.path, durabilityModes.option] + CommitSettings.options + [blockCacheOption, writeBufferOption, compactionOption, compressionOption],
        durability: durabilityModes,
        check: { options throws(StoreError) in _ = try Configuration(options) },
        open: { options throws(StoreError) in
            try RocksDBMessageStore(directory: StoreDirectory(requestedPath: options.string(.path), backend: "rocksdb"),
                                    configuration: Configuration(options))
        })

    public let configuration: Configuration
    let database: RocksDBDatabase
    let groupCommit: GroupCommitQueue<RocksDBTransaction>?

    /// Opens or creates the store in `directory`; throws `.notAStore` when the directory holds something else.
    public init(directory: StoreDirectory, configuration: Configuration) throws(StoreError) {
        self.configuration = configuration
        database = try RocksDBDatabase(directory: directory, configuration: configuration)
        groupCommit = configuration.commit.makeQueue(for: RocksDBTransaction.self)
    }

    public var directory: StoreDirectory { database.directory }

    public func connect() throws(StoreError) -> RocksDBConnection {
        RocksDBConnection(store: self)
    }

    public var settings: StoreSettings {
        StoreSettings(durability: Self.durabilityModes[configuration.durability.rawValue], commit: configuration.commit.policy)
    }

    public func bytesOnDisk() -> UInt64? { directory.bytesOnDisk() }

    public func statistics() -> StoreStatistics {
        StoreStatistics(groupSizes: groupCommit?.groupSizes, engine: database.counters(), settings: [
            "version": RocksDBDatabase.libraryVersion, "block_cache": String(configuration.blockCacheBytes),
            "write_buffer": String(configuration.writeBufferBytes), "compaction": configuration.compaction.rawValue,
            "compression": configuration.compression.rawValue, "bloom_filter_bits_per_key": "10", "prefix": "8 bytes (the key's first word)",
        ])
    }

    /// Flushes the memtables to files. The database itself closes when the last connection to it is released.
    public func close() {
        database.flush()
    }
}

extension RocksDBMessageStore: EngineCounterSampling {
    /// Time stalled (`stall.micros`: writes slowed or stopped while flushes and compactions catch up: what an LSM does
    /// to a surge's tail) and the bytes flushes and compactions wrote.
    public func sampleEngineCounters() -> [String: Double] {
        database.counters().filter { ["stall.micros", "flush.write.bytes", "compact.write.bytes"].contains($0.key) }
    }
}

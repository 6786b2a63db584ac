import CLMDB
import StoreSupport
import SurgeCore

/// A message store in one LMDB environment, through the C API.
///
/// Layout: named databases keyed by big-endian words, so that every multi-row read is one cursor range:
/// `users` id → phone and name; `phones` phone → id; `contacts` (owner, contact); `chats` id → kind, last
/// sequence, last activity; `direct_chats` (low user, high user) → chat; `members` (chat, user) → read watermark
/// and unread count (raised by every send: fan-out on write); `user_chats` (user, chat) for inboxes;
/// `messages` (chat, seq) → sender, client id, body, so a history page is one backward range scan;
/// `sends` (sender, client id) → (chat, seq) for idempotent resends.
public final class LMDBMessageStore: MessageStore {
    /// What the store was opened with.
    public struct Configuration: Sendable, Hashable {
        public var durability: LMDBDurability
        public var commit: CommitSettings
        public var mapSizeBytes: Int
        public var maxReaders: Int

        public init(_ options: BackendOptions) throws(StoreError) {
            durability = try options.choice(LMDBMessageStore.durabilityModes.option, as: LMDBDurability.self)
            commit = try CommitSettings(options)
            mapSizeBytes = try options.byteSize(LMDBMessageStore.mapSizeOption, in: (1 << 20)...(1 << 44))
            maxReaders = try options.integer(LMDBMessageStore.maxReadersOption, in: 1...65_536)
        }
    }

    static let durabilityModes = DurabilityModes(
        optionName: "durability",
        summary: "nosync: no sync at commit (unsafe on OS crash or power loss); nometasync: meta page not synced "
            + "(a crash can lose the last commit); sync: everything synced at every commit",
        modes: LMDBDurability.modes, defaultMode: LMDBDurability.sync.rawValue, bulkLoadMode: LMDBDurability.nosync.rawValue)
    static let mapSizeOption = BackendOption(
        name: "map-size", summary: "largest size the store may grow to (1MiB...16TiB); writes past it fail as 'store full'",
        defaultValue: "4GiB")
    static let maxReadersOption = BackendOption(
        name: "max-readers", summary: "reader slots: at least the number of connections open at once", defaultValue: "1024")

    /// How the backend is listed and opened by name.
    public static let descriptor = BackendDescriptor(
        name: "lmdb",
        summary: "\(LMDBEnvironment.libraryVersion), one write transaction at a time, MDB_NOTLS readers",
        engineVersion: LMDBEnvironment.libraryVersion,
        location: .directory,
        options: [.path, durabilityModes.option] + CommitSettings.options + [mapSizeOption, maxReadersOption],
        durability: durabilityModes, bulkLoadCommit: .group,
        check: { options throws(StoreError) in _ = try Configuration(options) },
        open: { options throws(StoreError) in
            try LMDBMessageStore(directory: StoreDirectory(requestedPath: options.string(.path), backend: "lmdb"),
                                 configuration: Configuration(options))
        })

    /// The version of the LMDB library in use.
    public static var libraryVersion: String { LMDBEnvironment.libraryVersion }

    public let configuration: Configuration
    let environment: LMDBEnvironment
    let groupCommit: GroupCommitQueue<LMDBTransaction>?

    /// Opens or creates the store in `directory`; throws `.notAStore` when the directory holds something else.
    public init(directory: StoreDirectory, configuration: Configuration) throws(StoreError) {
        self.configuration = configuration
        environment = try LMDBEnvironment(
            directory: directory, mapSizeBytes: configuration.mapSizeBytes, maxReaders: configuration.maxReaders,
            durability: configuration.durability)
        groupCommit = configuration.commit.makeQueue(for: LMDBTransaction.self)
    }

    public var directory: StoreDirectory { environment.directory }

    public func connect() throws(StoreError) -> LMDBConnection {
        try LMDBConnection(store: self)
    }

    public var settings: StoreSettings {
        StoreSettings(durability: Self.durabilityModes[configuration.durability.rawValue], commit: configuration.commit.policy)
    }

    public func bytesOnDisk() -> UInt64? { directory.bytesOnDisk() }

    public func statistics() -> StoreStatistics { StoreStatistics(groupSizes: groupCommit?.groupSizes) }

    /// Syncs to disk. The environment itself closes when the last connection to it is released.
    public func close() {
        environment.sync()
    }
}

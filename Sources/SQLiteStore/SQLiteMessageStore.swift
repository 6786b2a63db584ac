import Synchronization
import StoreSupport
import SurgeCore

/// A message store in one SQLite database in WAL mode, through the C API, one connection per worker.
public final class SQLiteMessageStore: MessageStore {
    /// What the store was opened with.
    public struct Configuration: Sendable, Hashable {
        public var durability: SQLiteDurability
        public var commit: CommitSettings
        public var busyTimeoutMillis: Int
        public var autoCheckpointPages: Int

        public init(_ options: BackendOptions) throws(StoreError) {
            durability = try options.choice(SQLiteMessageStore.durabilityModes.option, as: SQLiteDurability.self)
            commit = try CommitSettings(options)
            busyTimeoutMillis = try options.integer(SQLiteMessageStore.busyTimeoutOption, in: 0...600_000)
            autoCheckpointPages = try options.integer(SQLiteMessageStore.autoCheckpointOption, in: 0...10_000_000)
        }
    }

    static let durabilityModes = DurabilityModes(
        optionName: "durability",
        summary: "off: no syncs (unsafe on power loss); normal: WAL synced at checkpoints; full: WAL synced at every commit",
        modes: SQLiteDurability.modes, defaultMode: SQLiteDurability.normal.rawValue, bulkLoadMode: SQLiteDurability.off.rawValue)
    static let busyTimeoutOption = BackendOption(
        name: "busy-timeout-ms", summary: "how long a writer waits for the write lock before failing as busy", defaultValue: "10000")
    static let autoCheckpointOption = BackendOption(
        name: "wal-autocheckpoint", summary: "WAL pages after which a committing connection checkpoints (0: never)", defaultValue: "1000")

    /// How the backend is listed and opened by name.
    public static let descriptor = BackendDescriptor(
        name: "sqlite",
        summary: "SQLite \(SQLiteDatabase.libraryVersion) in WAL mode, one connection per worker",
        engineVersion: "SQLite \(SQLiteDatabase.libraryVersion)",
        location: .directory,
        options: [.path, durabilityModes.option] + CommitSettings.options + [busyTimeoutOption, autoCheckpointOption],
        durability: durabilityModes, bulkLoadCommit: .group,
        check: { options throws(StoreError) in _ = try Configuration(options) },
        open: { options throws(StoreError) in
            try SQLiteMessageStore(directory: StoreDirectory(requestedPath: options.string(.path), backend: "sqlite"),
                                   configuration: Configuration(options))
        })

    /// The version of the SQLite library in use.
    public static var libraryVersion: String { SQLiteDatabase.libraryVersion }

    public let configuration: Configuration
    public let directory: StoreDirectory
    let databasePath: String
    let groupCommit: GroupCommitQueue<SQLiteConnection>?
    /// Orders inboxes: stamped on chat creation and every send, inside the (single) write transaction.
    let activityClock: Atomic<UInt64>
    private let isClosed = Atomic<Bool>(false)

    /// Opens or creates the store in `directory`; throws `.notAStore` when the file there belongs to something else.
    public init(directory: StoreDirectory, configuration: Configuration) throws(StoreError) {
        self.directory = directory
        self.configuration = configuration
        databasePath = directory.file("store.sqlite")
        groupCommit = configuration.commit.makeQueue(for: SQLiteConnection.self)
        let setup = try SQLiteDatabase(path: databasePath, busyTimeoutMillis: configuration.busyTimeoutMillis)
        try Self.prepareSchema(setup, path: databasePath)
        let latest = try setup.prepare("SELECT coalesce(max(last_activity), 0) FROM chats")
        defer { latest.reset() }
        _ = try latest.step()
        activityClock = Atomic(latest.uint64(0))
    }

    public func connect() throws(StoreError) -> SQLiteConnection {
        guard !isClosed.load(ordering: .relaxed) else { throw StoreError(.cannotOpen, "the sqlite store is closed") }
        return try SQLiteConnection(store: self)
    }

    public var settings: StoreSettings {
        StoreSettings(durability: Self.durabilityModes[configuration.durability.rawValue], commit: configuration.commit.policy)
    }

    public func bytesOnDisk() -> UInt64? { directory.bytesOnDisk() }

    public func statistics() -> StoreStatistics { StoreStatistics(groupSizes: groupCommit?.groupSizes) }

    public func close() {
        guard !isClosed.exchange(true, ordering: .relaxed) else { return }
        directory.removeIfTemporary()
    }

    private static func prepareSchema(_ database: SQLiteDatabase, path: String) throws(StoreError) {
        let header: (applicationID: UInt64, version: UInt64, objects: UInt64)
        do {
            let query = try database.prepare("""
                SELECT (SELECT application_id FROM pragma_application_id), (SELECT user_version FROM pragma_user_version),
                       (SELECT count(*) FROM sqlite_schema)
                """)
            defer { query.reset() }
            _ = try query.step()
            header = (query.uint64(0), query.uint64(1), query.uint64(2))
        } catch where error.kind == .notAStore {
            throw StoreError(.notAStore, "'\(path)' is not an SQLite database; point path= at an empty directory or an sqlite store's")
        }
        switch header {
        case (0, _, 0):
            try database.execute("PRAGMA journal_mode = WAL")
            try database.execute("BEGIN IMMEDIATE; \(SQLiteSchema.create) COMMIT;")
        case (SQLiteSchema.applicationID, SQLiteSchema.version, _):
            try database.execute("PRAGMA journal_mode = WAL")
        case (SQLiteSchema.applicationID, let version, _):
            throw StoreError(.notAStore,
                "'\(path)' is a SurgeBench store of schema version \(version); this build reads version \(SQLiteSchema.version)")
        default:
            throw StoreError(.notAStore,
                "'\(path)' is an SQLite database but not a SurgeBench store; point path= at an empty directory or an sqlite store's")
        }
    }
}

extension SQLiteMessageStore: IntegrityChecking {
    /// `PRAGMA integrity_check` on a connection of its own: every page, index and constraint of the database.
    public func checkEngineIntegrity() throws(StoreError) -> [String] {
        let database = try SQLiteDatabase(path: databasePath, busyTimeoutMillis: configuration.busyTimeoutMillis)
        let check = try database.prepare("PRAGMA integrity_check")
        defer { check.reset() }
        var problems: [String] = []
        while try check.step() {
            let line = String(decoding: check.bytes(0), as: UTF8.self)
            if line != "ok" { problems.append("SQLite integrity_check: \(line)") }
        }
        return problems
    }
}

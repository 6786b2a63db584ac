import CPostgres
import Glibc
import Synchronization
import SurgeCore

/// A message store on a PostgreSQL server, through libpq: a throwaway server SurgeBench starts (Unix socket only), or
/// the server `url=` names. One connection per worker; every operation is one call of a server-side function.
///
/// Keys and indexes (schema `surgebench`): `users(id PK, phone UNIQUE)`; `contacts(owner, contact) PK`;
/// `chats(id PK, kind, last_seq, last_activity)`; `direct_chats(low, high) PK -> chat`; `members(chat, user_id) PK ->
/// read_seq, unread` plus `members_by_user(user_id)`; `messages(chat, seq) PK -> sender, client_id, body` plus the
/// unique `messages_by_client(sender, client_id) INCLUDE (chat, seq)` for idempotent resends. A send locks its chat's
/// row (`UPDATE chats SET last_seq = last_seq + 1 ... RETURNING`), so concurrent senders get a gapless sequence; a
/// concurrent duplicate rolls its increment back. Unread counts are raised on write (fan-out on write); a history
/// page is one backward range of the primary key; the inbox reads the user's memberships and their chats' headers,
/// never messages.
public final class PostgresMessageStore: MessageStore, ServerCostReporting {
    /// What the store was opened with.
    public struct Configuration: Sendable, Hashable {
        public var url: String
        public var path: String
        public var durability: PostgresDurability
        public var reset: Bool

        public init(_ options: BackendOptions) throws(StoreError) {
            url = options.string(PostgresMessageStore.urlOption)
            path = options.string(.path)
            durability = try options.choice(PostgresMessageStore.durabilityModes.option, as: PostgresDurability.self)
            reset = try options.choice(PostgresMessageStore.resetOption, as: Switch.self) == .yes
            guard url.isEmpty || path.isEmpty else {
                throw StoreError(.invalidOption, "give url= (a server to use) or path= (where to keep the server SurgeBench starts), not both")
            }
        }
    }

    enum Switch: String { case yes = "true", no = "false" }

    static let urlOption = BackendOption(
        name: "url",
        summary: "the server to use, as a postgresql:// URL or libpq keywords; default: a throwaway server SurgeBench starts "
            + "(Unix socket only) and removes on close",
        defaultValue: "")
    static let durabilityModes = DurabilityModes(
        optionName: "durability",
        summary: "async: synchronous_commit=off (a crash can lose the last commits, never corrupts); local: commits wait for "
            + "the WAL flush on this server; replicated: and for the flush on a synchronous standby (SurgeBench starts one "
            + "beside its own server; with url= the server must have one). With url= only synchronous_commit is set (per "
            + "session); fsync and the standbys are the server's, recorded in results",
        modes: PostgresDurability.modes, defaultMode: PostgresDurability.local.rawValue, bulkLoadMode: PostgresDurability.async.rawValue)
    static let resetOption = BackendOption(
        name: "reset", summary: "true: drop the surgebench schema (every SurgeBench table) before starting", defaultValue: "false",
        choices: ["false", "true"])

    /// How the backend is listed and opened by name.
    public static let descriptor = BackendDescriptor(
        name: "postgres",
        summary: "PostgreSQL through libpq \(libraryVersion), a server-side function per operation, one connection per worker",
        engineVersion: "libpq \(libraryVersion)",
        location: .server,
        options: [urlOption, .path, durabilityModes.option, resetOption],
        durability: durabilityModes,
        serverProcesses: { options in PostgresServer.postmaster(inPath: options.string(.path)).map { [$0] } ?? [] },
        failoverOptions: { mode in mode == PostgresDurability.replicated.rawValue ? [:] : nil },
        check: { options throws(StoreError) in _ = try Configuration(options) },
        open: { options throws(StoreError) in try PostgresMessageStore(configuration: Configuration(options)) })

    /// The libpq version in use ("15.18").
    public static var libraryVersion: String {
        let version = PQlibVersion()
        return "\(version / 10000).\(version % 10000)"
    }

    public let configuration: Configuration
    package let connectionString: String
    let server: PostgresServer?
    /// The store's own connection, for its size and the server's settings.
    private let control: Mutex<PostgresDatabase?>
    /// Since a failover (``inject(_:)``): when writes succeeded again.
    let failoverWatch = Mutex<WriteOutageWatch?>(nil)

    /// Starts or reaches the server and prepares the schema; throws `.notAStore` for a database whose `surgebench`
    /// schema is not a SurgeBench store's.
    public init(configuration: Configuration) throws(StoreError) {
        self.configuration = configuration
        if configuration.url.isEmpty {
            server = try PostgresServer(requestedPath: configuration.path, settings: [
                "max_connections": "200", "shared_buffers": "128MB", "fsync": "on",
                "synchronous_commit": configuration.durability.synchronousCommit,
            ], standby: configuration.durability == .replicated)
            connectionString = server!.connectionString
        } else {
            server = nil
            connectionString = configuration.url
        }
        do throws(StoreError) {
            let database = try PostgresDatabase(connectionString: connectionString)
            if configuration.durability == .replicated {
                // SurgeBench's own standby needs a moment to connect after it starts; a given server's must be there.
                try Self.awaitSynchronousStandby(database, seconds: server == nil ? 0 : 30)
            }
            try Self.prepareSchema(database, reset: configuration.reset)
            control = Mutex(database)
        } catch {
            server?.stop()
            throw error
        }
    }

    public func connect() throws(StoreError) -> PostgresConnection {
        try PostgresConnection(store: self)
    }

    public var settings: StoreSettings { StoreSettings(durability: Self.durabilityModes[configuration.durability.rawValue], commit: nil) }

    public func bytesOnDisk() -> UInt64? {
        try? control.withLock { (database) throws(StoreError) -> UInt64? in
            guard let database else { return nil }
            let result = PostgresResult(PQexecParams(database.handle, "SELECT pg_database_size(current_database())", 0, nil, nil, nil, nil, 1))
            try result.check(database, context: "measuring the database")
            return result.int64(0, 0)
        }
    }

    /// The server's version, the settings that decide the numbers, and how many synchronous standbys stream from it.
    public func statistics() -> StoreStatistics {
        let names = ["server_version", "shared_buffers", "max_connections", "fsync", "synchronous_commit", "wal_level",
                     "synchronous_standby_names"]
        let settings = control.withLock { database -> [String: String] in
            guard let database else { return [:] }
            var settings: [String: String] = [:]
            for name in names {
                if let value = database.text("SELECT current_setting('\(name)')") { settings[name] = value }
            }
            settings["synchronous_standbys"] = database.text(Self.synchronousStandbyCount)
            return settings
        }
        return StoreStatistics(settings: settings)
    }

    public func close() {
        control.withLock { $0 = nil }
        server?.stop()
    }

    /// A write succeeded: noted for the watch of a failover in progress.
    func noteWriteSucceeded() {
        failoverWatch.withLock { $0?.recordSuccess(atNanos: MonotonicClock.now()) }
    }

    /// The servers SurgeBench started (primary and standby, every backend and helper) from /proc and their sync
    /// counter, with the primary's own statistics (`pg_stat_wal`, `pg_stat_database`, `pg_stat_bgwriter`); for a
    /// server `url=` names, its own statistics alone. PostgreSQL's counters lag: each backend adds its own to them at
    /// most about once a second.
    public func serverSample() -> ServerSample {
        let values = control.withLock { database in database?.text(Self.reportedQuery) }?.split(separator: ",").map { Double($0) ?? 0 } ?? []
        let reported = Dictionary(uniqueKeysWithValues: zip(Self.reportedColumns, values))
        guard let server else { return ServerSample(reported: reported) }
        return server.meter.sample(roots: server.postmasters, reported: reported)
    }

    /// The server's own counters, named `view.column`, read by one query at a window's edge.
    private static let reportedColumns = [
        "pg_stat_wal.wal_records", "pg_stat_wal.wal_fpi", "pg_stat_wal.wal_bytes", "pg_stat_wal.wal_buffers_full", "pg_stat_wal.wal_write",
        "pg_stat_wal.wal_sync", "pg_stat_database.xact_commit", "pg_stat_database.xact_rollback", "pg_stat_database.blks_read",
        "pg_stat_database.blks_hit", "pg_stat_database.tup_inserted", "pg_stat_database.tup_updated", "pg_stat_bgwriter.checkpoints_timed",
        "pg_stat_bgwriter.checkpoints_req", "pg_stat_bgwriter.buffers_checkpoint", "pg_stat_bgwriter.buffers_clean",
        "pg_stat_bgwriter.buffers_backend", "pg_stat_bgwriter.buffers_backend_fsync",
    ]
    private static let reportedQuery = "SELECT concat_ws(',', "
        + reportedColumns.map { $0.replacingOccurrences(of: "pg_stat_wal.", with: "w.").replacingOccurrences(of: "pg_stat_database.", with: "d.")
            .replacingOccurrences(of: "pg_stat_bgwriter.", with: "b.") }.joined(separator: ", ")
        + ") FROM pg_stat_wal w, pg_stat_database d, pg_stat_bgwriter b WHERE d.datname = current_database()"

    private static let synchronousStandbyCount =
        "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum') AND state = 'streaming'"

    /// Waits up to `seconds` for a synchronous standby to stream from the server; throws, saying what is missing.
    private static func awaitSynchronousStandby(_ database: PostgresDatabase, seconds: Int) throws(StoreError) {
        for attempt in 0...(seconds * 10) {
            if let count = database.text(synchronousStandbyCount), count != "0" { return }
            if attempt < seconds * 10 { usleep(100_000) }
        }
        let names = database.text("SELECT current_setting('synchronous_standby_names')") ?? ""
        throw StoreError(.cannotOpen, names.isEmpty
            ? "durability=replicated needs a synchronous standby, but the server has none (synchronous_standby_names is "
                + "empty): configure one, or use durability=local"
            : "durability=replicated needs a synchronous standby, but none of '\(names)' is streaming from the server "
                + "(pg_stat_replication): start it, or use durability=local")
    }

    /// The advisory lock (an arbitrary number: "SURGEBNC") held while the schema is checked or made.
    private static let schemaLock: Int64 = 0x5355_5247_4542_4E43

    private static func prepareSchema(_ database: PostgresDatabase, reset: Bool) throws(StoreError) {
        // The shards of a run open one server at once: one of them makes the schema while the others wait.
        try database.execute("SELECT pg_advisory_lock(\(schemaLock))")
        defer { try? database.execute("SELECT pg_advisory_unlock(\(schemaLock))") }
        if reset { try database.execute("DROP SCHEMA IF EXISTS surgebench CASCADE") }
        let schema = PostgresResult(PQexec(database.handle, "SELECT 1 FROM pg_namespace WHERE nspname = 'surgebench'"))
        try schema.check(database, context: "looking for the surgebench schema")
        guard schema.rowCount == 1 else {
            try database.execute("BEGIN; \(PostgresSchema.create); COMMIT")
            return
        }
        let format = PostgresResult(PQexec(database.handle, "SELECT value FROM surgebench.meta WHERE key = 'format'"))
        guard PQresultStatus(format.handle) == PGRES_TUPLES_OK, format.rowCount == 1,
              let value = PQgetvalue(format.handle, 0, 0).map({ String(cString: $0) }), value == PostgresSchema.formatVersion else {
            throw StoreError(.notAStore, "the database has a surgebench schema that is not a SurgeBench store of this version; "
                + "give reset=true to drop it (every table in that schema) or another database")
        }
    }
}

/// What a commit waits for.
public enum PostgresDurability: String, Sendable, Hashable, CaseIterable {
    case async
    case local
    case replicated

    /// The `synchronous_commit` setting of the mode: `local` waits for this server's WAL flush even where standbys
    /// are named; `on` also waits for the synchronous standby's flush.
    var synchronousCommit: String {
        switch self {
        case .async: "off"
        case .local: "local"
        case .replicated: "on"
        }
    }

    /// What PostgreSQL's documentation (`synchronous_commit`, WAL reliability) promises for each mode, cheapest first.
    static let modes = [
        DurabilityMode("async", processKill: .mayLoseRecent, powerLoss: .mayLoseRecent,
                       documentation: "synchronous_commit=off: a database or OS crash may lose the last transactions reported committed "
                           + "(up to 3 x wal_writer_delay), with no risk of inconsistency (postgresql.org/docs/15/wal-async-commit.html)"),
        DurabilityMode("local", processKill: .keepsEverything, powerLoss: .keepsEverything,
                       documentation: "synchronous_commit=local: a commit returns after its WAL is flushed to this server's disk "
                           + "(postgresql.org/docs/15/runtime-config-wal.html)"),
        DurabilityMode("replicated", processKill: .keepsEverything, powerLoss: .keepsEverything, machineLoss: .keepsEverything,
                       documentation: "synchronous_commit=on with a synchronous standby: flushed on both servers before a commit returns, "
                           + "so the loss of either machine loses no acknowledged commit once the other serves; not covered: the loss of "
                           + "both; a standby that is down makes commits wait, not fail (postgresql.org/docs/15/warm-standby.html"
                           + "#SYNCHRONOUS-REPLICATION). The standby SurgeBench starts runs on the same machine: a run measures the "
                           + "price of the promise, not a machine's loss"),
    ]
}

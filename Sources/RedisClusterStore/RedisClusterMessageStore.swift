import Foundation
import Synchronization
import SurgeCore

/// A message store on a Redis Cluster, through hiredis with SurgeBench's own slot routing: a throwaway cluster
/// SurgeBench starts on loopback ports, or the cluster `nodes=` names. Each operation on one chat or one user is one
/// call of a Redis Function on the node that owns its slot (see ``RedisFunctions`` for the keys); operations that
/// span users and chats (inbox, contact import, chat creation) pipeline their per-slot calls, one pipeline per node.
/// Idempotent resends are recognised per chat (the harness resends to the same chat).
public final class RedisClusterMessageStore: MessageStore, ServerCostReporting {
    /// What the store was opened with.
    public struct Configuration: Sendable, Hashable {
        public var nodes: [RedisAddressText]
        public var path: String
        public var masters: Int
        public var replicas: Int
        public var durability: RedisDurability

        public init(_ options: BackendOptions) throws(StoreError) {
            let nodeList = options.string(RedisClusterMessageStore.nodesOption)
            nodes = try nodeList.split(separator: ",").map { (text) throws(StoreError) -> RedisAddressText in
                guard RedisAddress(text.trimmingCharacters(in: .whitespaces)) != nil else {
                    throw StoreError(.invalidOption, "nodes= wants host:port pairs separated by commas, got '\(text)'")
                }
                return RedisAddressText(text.trimmingCharacters(in: .whitespaces))
            }
            path = options.string(.path)
            masters = try options.integer(RedisClusterMessageStore.mastersOption, in: 3...16)
            durability = try options.choice(RedisClusterMessageStore.durabilityModes.option, as: RedisDurability.self)
            // replicated waits for a replica of each master: it starts one unless told otherwise.
            replicas = options.values["replicas"] == nil && durability == .replicated
                ? 1 : try options.integer(RedisClusterMessageStore.replicasOption, in: 0...1)
            if !nodes.isEmpty {
                guard path.isEmpty, options.values["masters"] == nil, options.values["replicas"] == nil else {
                    throw StoreError(.invalidOption, "with nodes= (a cluster to use), path=, masters= and replicas= do not apply")
                }
            } else if durability == .replicated, replicas == 0 {
                throw StoreError(.invalidOption, "durability=replicated waits for a replica of each master: replicas=0 has none")
            }
        }
    }

    static let nodesOption = BackendOption(
        name: "nodes", summary: "the cluster to use, as host:port,host:port,...; default: a throwaway cluster SurgeBench starts on "
            + "loopback ports and removes on close", defaultValue: "")
    static let mastersOption = BackendOption(name: "masters", summary: "masters of the cluster SurgeBench starts (3 to 16)", defaultValue: "3")
    static let replicasOption = BackendOption(name: "replicas", summary: "replicas per master of the cluster SurgeBench starts (0 or 1; "
                                                  + "durability=replicated starts 1)", defaultValue: "0")
    static let durabilityModes = DurabilityModes(
        optionName: "durability",
        summary: "none: no AOF (a clean close still saves); everysec: AOF, fsync once a second; always: AOF, fsync per write; "
            + "replicated: everysec, and every write waits for a replica (WAIT 1); a master without a replica refuses writes "
            + "(min-replicas-to-write 1). With nodes= only replicated's WAIT is "
            + "SurgeBench's; the rest is the cluster's, which results record",
        modes: RedisDurability.modes, defaultMode: RedisDurability.everysec.rawValue, bulkLoadMode: RedisDurability.none.rawValue)

    /// How the backend is listed and opened by name.
    public static let descriptor = BackendDescriptor(
        name: "redis-cluster",
        summary: "Redis Cluster through hiredis, SurgeBench's own slot routing, a Redis Function per operation",
        engineVersion: "hiredis \(RedisNodeConnection.libraryVersion)",
        location: .server,
        options: [nodesOption, .path, mastersOption, replicasOption, durabilityModes.option],
        durability: durabilityModes,
        serverProcesses: { options in RedisClusterServers.nodeProcesses(inPath: options.string(.path)) },
        // A failover needs a replica per master; a cluster that keeps nothing (none) is not worth failing over.
        failoverOptions: { mode in mode == RedisDurability.none.rawValue ? nil : ["replicas": "1"] },
        check: { options throws(StoreError) in _ = try Configuration(options) },
        open: { options throws(StoreError) in try RedisClusterMessageStore(configuration: Configuration(options)) })

    public let configuration: Configuration
    let seeds: [RedisAddress]
    let servers: RedisClusterServers?
    /// The slots the last fault touched, whose writes every connection notes.
    let affectedSlots = AffectedSlotWatch()
    /// Redirects met by every connection so far.
    let redirectTotals = Mutex(RedirectCounts())
    /// The store's own client, for loading functions, sizes and settings.
    private let control: Mutex<ClusterClient?>

    public init(configuration: Configuration) throws(StoreError) {
        self.configuration = configuration
        if configuration.nodes.isEmpty {
            servers = try RedisClusterServers(requestedPath: configuration.path, masters: configuration.masters,
                                              replicasPerMaster: configuration.replicas, settings: configuration.durability.serverSettings)
            seeds = servers!.nodes
        } else {
            servers = nil
            seeds = configuration.nodes.compactMap { RedisAddress($0.text) }
        }
        do throws(StoreError) {
            let client = try ClusterClient(seeds: seeds, replicasToWait: 0)
            try Self.loadFunctions(client)
            if servers == nil { try Self.checkDurability(client, configuration.durability) }
            control = Mutex(client)
        } catch {
            servers?.stop()
            throw error
        }
    }

    public func connect() throws(StoreError) -> RedisClusterConnection {
        try RedisClusterConnection(store: self)
    }

    public var settings: StoreSettings { StoreSettings(durability: Self.durabilityModes[configuration.durability.rawValue], commit: nil) }

    /// The nodes' files (AOF and RDB) of a cluster SurgeBench started; nil for a given cluster.
    public func bytesOnDisk() -> UInt64? { servers?.storeDirectory.bytesOnDisk() }

    /// The Redis version, the cluster's shape and persistence settings, and the redirects the connections met.
    public func statistics() -> StoreStatistics {
        let redirects = redirectTotals.withLock { $0 }
        var settings: [String: String] = [:]
        settings["redis_version"] = infoFromMasters("server", field: "redis_version").first
        settings["masters"] = String(control.withLock { $0?.masters.count ?? 0 })
        settings["replicas_per_master"] = servers.map { _ in String(configuration.replicas) }
        settings["appendonly"] = configValue("appendonly")
        settings["appendfsync"] = configValue("appendfsync")
        settings["used_memory_dataset"] = String(infoFromMasters("memory", field: "used_memory_dataset").compactMap { UInt64($0) }.reduce(0, +))
        return StoreStatistics(engine: ["redirects_moved": Double(redirects.moved), "redirects_ask": Double(redirects.ask),
                                        "redirects_tryagain": Double(redirects.tryAgain)], settings: settings)
    }

    public func close() {
        control.withLock { $0 = nil }
        servers?.stop()
    }

    /// The nodes SurgeBench started (every master and replica, with the children they fork) from /proc and their sync
    /// counter, with every node's own figures from `INFO` (CPU, commands, persistence, FCALL and WAIT calls), summed;
    /// for a cluster `nodes=` names, the masters' own figures alone.
    public func serverSample() -> ServerSample {
        let reported = reportedStatistics(nodes: servers?.nodes)
        guard let servers else { return ServerSample(reported: reported) }
        return servers.meter.sample(roots: servers.processIDs, reported: reported)
    }

    /// The `host:port` of the master serving `slot`, as the store's own slot table knows it.
    package func master(servingSlot slot: Int) -> String? {
        control.withLock { client in client.flatMap { $0.slotOwners.indices.contains(slot) ? $0.slotOwners[slot]?.description : nil } }
    }

    /// The counters of `INFO all` worth following, summed over `nodes` (nil: the masters).
    private static let reportedFields = ["used_cpu_sys", "used_cpu_user", "total_commands_processed", "total_net_input_bytes",
                                         "total_net_output_bytes", "aof_delayed_fsync", "aof_rewrites", "cmdstat_fcall.calls",
                                         "cmdstat_fcall.usec", "cmdstat_wait.calls"]

    private func reportedStatistics(nodes: [RedisAddress]?) -> [String: Double] {
        control.withLock { client -> [String: Double] in
            guard let client else { return [:] }
            var sums: [String: Double] = [:]
            for node in nodes ?? client.masters {
                guard let text = try? client.connection(to: node).command(["INFO", "all"].map { Array($0.utf8) }).text else { continue }
                for line in text.split(separator: "\r\n") {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    let name = String(line[..<colon])
                    let value = line[line.index(after: colon)...]
                    if name.hasPrefix("cmdstat_") {
                        // cmdstat_fcall:calls=12,usec=345,usec_per_call=...
                        for pair in value.split(separator: ",") {
                            let parts = pair.split(separator: "=")
                            let field = "\(name).\(parts.first ?? "")"
                            if parts.count == 2, Self.reportedFields.contains(field), let number = Double(parts[1]) { sums["INFO " + field, default: 0] += number }
                        }
                    } else if Self.reportedFields.contains(name), let number = Double(value) {
                        // used_cpu_* are seconds: kept as microseconds, as the other figures per operation read best.
                        if name.hasPrefix("used_cpu_") { sums["INFO \(name) (µs)", default: 0] += number * 1e6 } else { sums["INFO " + name, default: 0] += number }
                    }
                }
            }
            return sums
        }
    }

    private func infoFromMasters(_ section: String, field: String) -> [String] {
        control.withLock { client -> [String] in
            guard let client else { return [] }
            return client.masters.compactMap { master in
                guard let text = try? client.connection(to: master).command(["INFO", section].map { Array($0.utf8) }).text else { return nil }
                return text.split(separator: "\r\n").first { $0.hasPrefix(field + ":") }.map { String($0.dropFirst(field.count + 1)) }
            }
        }
    }

    private func configValue(_ name: String) -> String? {
        control.withLock { client -> String? in
            guard let client, let master = client.masters.first,
                  let reply = try? client.connection(to: master).command(["CONFIG", "GET", name].map { Array($0.utf8) }) else { return nil }
            return reply.elements.count == 2 ? reply.elements[1].text : nil
        }
    }

    /// Loads (or replaces) the functions library on every master.
    private static func loadFunctions(_ client: ClusterClient) throws(StoreError) {
        for master in client.masters {
            let reply = try client.connection(to: master).command([Array("FUNCTION".utf8), Array("LOAD".utf8), Array("REPLACE".utf8),
                                                                   Array(RedisFunctions.source.utf8)])
            if case .error(let message) = reply {
                throw StoreError(.cannotOpen, "cannot load SurgeBench's functions on Redis node \(master): \(message)")
            }
        }
    }

    /// With a given cluster, the persistence is the cluster's: a mode that says otherwise is refused.
    private static func checkDurability(_ client: ClusterClient, _ durability: RedisDurability) throws(StoreError) {
        guard let expected = durability.expectedAppendFsync, let master = client.masters.first else { return }
        let appendOnly = try client.connection(to: master).command(["CONFIG", "GET", "appendonly"].map { Array($0.utf8) }).elements.last?.text
        let fsync = try client.connection(to: master).command(["CONFIG", "GET", "appendfsync"].map { Array($0.utf8) }).elements.last?.text
        let actual = appendOnly == "yes" ? fsync ?? "?" : "none"
        guard actual == expected else {
            throw StoreError(.invalidOption, "the cluster at \(master) runs with \(appendOnly == "yes" ? "appendfsync=\(actual)" : "no AOF"), "
                + "not durability=\(durability.rawValue): SurgeBench does not reconfigure a cluster it did not start; give "
                + "durability=\(actual == "everysec" || actual == "always" ? actual : "none")")
        }
    }
}

/// A `host:port` as given in `nodes=`.
public struct RedisAddressText: Sendable, Hashable {
    public var text: String
    init(_ text: String) { self.text = text }
}

/// The persistence of each node, and whether writes wait for a replica.
public enum RedisDurability: String, Sendable, Hashable, CaseIterable {
    case none
    case everysec
    case always
    case replicated

    /// The `redis-server` arguments of the mode, for a cluster SurgeBench starts.
    var serverSettings: [String] {
        switch self {
        case .none: ["--appendonly", "no"]
        case .everysec: ["--appendonly", "yes", "--appendfsync", "everysec"]
        // A master that has lost its replica (after a failover) refuses writes at once (NOREPLICAS) rather than
        // accepting each one and failing it after WAIT's timeout: fast errors for its slots, full speed for the rest.
        case .replicated: ["--appendonly", "yes", "--appendfsync", "everysec", "--min-replicas-to-write", "1", "--min-replicas-max-lag", "10"]
        case .always: ["--appendonly", "yes", "--appendfsync", "always"]
        }
    }

    /// What a given cluster must run with for this mode ("none": no AOF); nil: anything (replicated only adds WAIT).
    var expectedAppendFsync: String? {
        switch self {
        case .none: "none"
        case .everysec: "everysec"
        case .always: "always"
        case .replicated: nil
        }
    }

    /// What Redis's documentation (persistence, `appendfsync`, `WAIT`) promises for each mode, cheapest first.
    static let modes = [
        DurabilityMode("none", processKill: .nothing, powerLoss: .nothing,
                       documentation: "no AOF and no RDB snapshots: the data lives only as long as the server (redis.io/docs/management/persistence)"),
        DurabilityMode("everysec", processKill: .keepsEverything, powerLoss: .mayLoseRecent,
                       documentation: "appendfsync everysec: the AOF is written before the reply, synced once a second: a crash of the "
                           + "process loses nothing, of the machine about a second (redis.io/docs/management/persistence)"),
        DurabilityMode("always", processKill: .keepsEverything, powerLoss: .keepsEverything,
                       documentation: "appendfsync always: the AOF is synced before every reply (redis.io/docs/management/persistence)"),
        DurabilityMode("replicated", processKill: .keepsEverything, powerLoss: .mayLoseRecent, machineLoss: .keepsEverything,
                       documentation: "everysec on every node, and WAIT 1: a write is in a replica's memory before the reply, so the loss "
                           + "of a master's machine loses none when that replica takes over (one replica per master: the only one that "
                           + "can); not covered: a power loss of every node at once (each syncs once a second), a failover to a replica "
                           + "WAIT did not count (more replicas per master), a WAIT that times out (the write is then in doubt) "
                           + "(redis.io/commands/wait, redis.io/docs/management/scaling). The replicas SurgeBench starts run on the "
                           + "same machine: a run measures the price of the promise, not a machine's loss"),
    ]
}

import Foundation
import Glibc
import StoreSupport
import Synchronization
import SurgeCore

/// A throwaway Redis Cluster of SurgeBench's own: `masters` masters and `replicasPerMaster` replicas each, every one a
/// `redis-server` on a loopback port with its files in `<directory>/node-<port>/`, formed with
/// `redis-cli --cluster create`. ``stop()`` stops every node and removes a temporary directory; a watchdog does the
/// same if SurgeBench dies first. A cluster in a given directory keeps its ports (in `ports`) and is restarted as it
/// was on the next open, saving on close (`SHUTDOWN SAVE`) so that every durability mode survives a clean close.
final class RedisClusterServers: Sendable {
    let directory: String
    let isTemporary: Bool
    /// The directory's files: every node's AOF and RDB files.
    let storeDirectory: StoreDirectory
    /// Every node, masters first as created (after a failover, roles may differ).
    let nodes: [RedisAddress]
    let masterCount: Int
    /// Each node's process, in the order of ``nodes``.
    private let processes: Mutex<[pid_t]>
    /// The nodes killed by ``killNode(_:)`` and not restarted yet.
    private let killed = Mutex<[RedisAddress]>([])
    private let settings: [String]
    private let watchdog: pid_t
    /// Measures the nodes (every node counts its syncs into one file in the directory).
    let meter: ServerMeter
    private let stopped = Atomic<Bool>(false)

    static let server = "/usr/bin/redis-server"
    static let cli = "/usr/bin/redis-cli"
    /// The start of every node's process title, followed by the cluster's directory and the node's port.
    static let title = "surgebench-redis-node"

    init(requestedPath: String, masters: Int, replicasPerMaster: Int, settings: [String]) throws(StoreError) {
        guard FileManager.default.isExecutableFile(atPath: Self.server), FileManager.default.isExecutableFile(atPath: Self.cli) else {
            throw StoreError(.cannotOpen, "Redis is not installed (no \(Self.server) or \(Self.cli)): run `make deps` or "
                + "`apt-get install redis-server redis-tools`, or point nodes= at a cluster")
        }
        storeDirectory = try StoreDirectory(requestedPath: requestedPath, backend: "redis")
        let directory = URL(fileURLWithPath: storeDirectory.path).standardizedFileURL.path
        self.directory = directory
        isTemporary = storeDirectory.isTemporary
        let portsFile = (directory as NSString).appendingPathComponent("ports")
        let saved = (try? String(contentsOfFile: portsFile, encoding: .utf8))?.split(separator: "\n").compactMap { Int($0) } ?? []
        let isNew = saved.isEmpty
        let ports = isNew ? try Self.freePorts(masters * (1 + replicasPerMaster)) : saved
        nodes = ports.map { RedisAddress(host: "127.0.0.1", port: $0) }
        masterCount = isNew ? masters : max(1, saved.count / (1 + replicasPerMaster))
        processes = Mutex([])
        meter = ServerMeter(directory: directory)
        self.settings = settings
        // Kills until none is left (a node still writing would refill the directory), then removes a temporary one.
        // The pattern's "[e]" keeps it from matching the watchdog's own command line, which holds the pattern.
        let killNodes = "while pkill -9 -f '\(Self.title.dropLast())[\(Self.title.last!)] \(directory) '; do sleep 0.1; done"
        watchdog = ChildProcess.startWatchdog(cleanup: isTemporary ? "\(killNodes); rm -rf '\(directory)'" : killNodes)
        do throws(StoreError) {
            for port in ports { processes.withLock { $0.append(0) } }
            for (index, port) in ports.enumerated() { try start(index: index, port: port) }
            for node in nodes { try awaitAnswer(from: node) }
            if isNew {
                try ChildProcess.run([Self.cli, "--cluster", "create"] + nodes.map(\.description)
                                     + ["--cluster-replicas", String(replicasPerMaster), "--cluster-yes"], what: "forming the Redis cluster")
                do { try ports.map(String.init).joined(separator: "\n").write(toFile: portsFile, atomically: true, encoding: .utf8) } catch {
                    throw StoreError(.cannotOpen, "cannot write '\(portsFile)': \(error.localizedDescription)")
                }
            }
            for node in nodes { try Self.awaitClusterOK(at: node, knownNodes: nodes.count) }
            // A write that waits for a replica (WAIT) needs every replica synced first.
            if replicasPerMaster > 0 { for node in nodes { try Self.awaitReplicas(of: node, count: replicasPerMaster) } }
        } catch {
            stop()
            throw error
        }
    }

    deinit { stop() }

    /// The processes of every node of the cluster kept in `path` that are running now (found by their title).
    static func nodeProcesses(inPath path: String) -> [pid_t] {
        guard !path.isEmpty else { return [] }
        return ProcessTree.processes(commandStartingWith: "\(title) \(URL(fileURLWithPath: path).standardizedFileURL.path) ")
    }

    /// Every node's process running now (a killed node's until it is restarted is gone).
    var processIDs: [pid_t] { processes.withLock { $0 }.filter { $0 > 0 } }

    /// Stops every node (saving its data when the cluster is kept) and removes a temporary cluster. Safe to call twice.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        var live = Set(processes.withLock { $0 }.filter { $0 > 0 })
        if !isTemporary {
            // FORCE: a replica still writing its first AOF after a sync would otherwise refuse to exit.
            for node in nodes {
                _ = try? RedisNodeConnection(node, timeoutSeconds: 5).command(["SHUTDOWN", "SAVE", "FORCE"].map { Array($0.utf8) })
            }
        }
        for pid in live { Glibc.kill(pid, isTemporary ? SIGKILL : SIGTERM) }
        // A node that will not stop within 20 s is killed: closing never hangs.
        let deadline = MonotonicClock.now() + 20_000_000_000
        while !live.isEmpty {
            var status: Int32 = 0
            live = live.filter { waitpid($0, &status, WNOHANG) == 0 }
            if MonotonicClock.now() > deadline { for pid in live { Glibc.kill(pid, SIGKILL) } }
            if !live.isEmpty { usleep(20_000) }
        }
        ChildProcess.end(watchdog)
        if isTemporary { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// SIGKILLs the node at `address` (a fault: its replica, if any, takes over).
    func killNode(_ address: RedisAddress) throws(StoreError) {
        guard let index = nodes.firstIndex(of: address) else { throw StoreError(.invalidOption, "\(address) is not a node SurgeBench started") }
        let pid = processes.withLock { $0[index] }
        guard Glibc.kill(pid, SIGKILL) == 0 else { throw StoreError(.engine, "cannot kill Redis node \(address)") }
        ChildProcess.wait(for: pid)
        processes.withLock { $0[index] = 0 }
        killed.withLock { $0.append(address) }
    }

    /// Starts the node killed last again, on its port and files; it rejoins the cluster (as a replica once its former
    /// replica has taken over). Returns its address.
    func restartKilledNode() throws(StoreError) -> RedisAddress {
        guard let address = killed.withLock({ $0.popLast() }), let index = nodes.firstIndex(of: address) else {
            throw StoreError(.invalidOption, "restart-node: no node has been killed")
        }
        try start(index: index, port: address.port)
        try awaitAnswer(from: address)
        return address
    }

    private func start(index: Int, port: Int) throws(StoreError) {
        let nodeDirectory = (directory as NSString).appendingPathComponent("node-\(port)")
        do { try FileManager.default.createDirectory(atPath: nodeDirectory, withIntermediateDirectories: true) } catch {
            throw StoreError(.cannotOpen, "cannot create '\(nodeDirectory)': \(error.localizedDescription)")
        }
        // The process title names the cluster's directory, so that the watchdog can find every node of it.
        let arguments = [Self.server, "--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                         "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000", "--dir", nodeDirectory,
                         "--save", "", "--daemonize", "no", "--logfile", "redis.log", "--proc-title-template",
                         "\(Self.title) \(directory) {port}"] + settings
        let pid = ChildProcess.spawn(arguments, output: (nodeDirectory as NSString).appendingPathComponent("output.log"), newSession: false,
                                     environment: meter.environment())
        guard pid > 0 else { throw StoreError(.cannotOpen, "cannot start \(Self.server)") }
        processes.withLock { $0[index] = pid }
    }

    /// Ports for `count` nodes whose cluster-bus ports (port + 10000) are free too.
    private static func freePorts(_ count: Int) throws(StoreError) -> [Int] {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let base = Int.random(in: 20_000..<29_000, using: &random)
            let ports = Array(base..<base + count)
            if ports.allSatisfy({ isFree($0) && isFree($0 + 10_000) }) { return ports }
        }
        throw StoreError(.cannotOpen, "found no \(count) free loopback ports for the Redis cluster")
    }

    private static func isFree(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Waits up to 10 s for the node at `node` to answer; the error quotes the last line of its log (why it stopped).
    func awaitAnswer(from node: RedisAddress) throws(StoreError) {
        let (ready, _) = Self.poll(node, ["PING"], seconds: 10) { $0 == "PONG" }
        guard ready else {
            let log = (directory as NSString).appendingPathComponent("node-\(node.port)/redis.log")
            let last = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").last.map { ": \($0)" } ?? ""
            throw StoreError(.cannotOpen, "the Redis node \(node) did not start within 10 s\(last)")
        }
    }

    /// When `node` is a master, waits until `count` replicas stream from it (`state=online`).
    private static func awaitReplicas(of node: RedisAddress, count: Int) throws(StoreError) {
        let (ready, _) = poll(node, ["INFO", "replication"], seconds: 30) {
            $0.contains("role:slave") || $0.components(separatedBy: "state=online").count - 1 >= count
        }
        guard ready else { throw StoreError(.cannotOpen, "the Redis master \(node) has fewer than \(count) synced replicas after 30 s") }
    }

    private static func awaitClusterOK(at node: RedisAddress, knownNodes: Int) throws(StoreError) {
        let (ready, info) = poll(node, ["CLUSTER", "INFO"], seconds: 30) {
            $0.contains("cluster_state:ok") && $0.contains("cluster_known_nodes:\(knownNodes)")
        }
        guard ready else {
            throw StoreError(.cannotOpen, "the Redis cluster did not become ready within 30 s (node \(node): "
                + "\(info.split(separator: "\r\n").prefix(3).joined(separator: ", ")))")
        }
    }

    /// Sends `words` to `node` every 100 ms until `ready` accepts the reply's text, for at most `seconds`; returns
    /// whether it did and the last text.
    private static func poll(_ node: RedisAddress, _ words: [String], seconds: Int, until ready: (String) -> Bool) -> (Bool, String) {
        var text = ""
        for _ in 0..<(seconds * 10) {
            text = (try? RedisNodeConnection(node, timeoutSeconds: 2).command(words.map { Array($0.utf8) }).text) ?? ""
            if ready(text) { return (true, text) }
            usleep(100_000)
        }
        return (false, text)
    }
}

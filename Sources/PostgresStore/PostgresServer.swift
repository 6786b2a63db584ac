import Foundation
import Synchronization
import StoreSupport
import SurgeCore

/// A throwaway PostgreSQL cluster of SurgeBench's own: made in a temporary directory (or the given one), listening
/// only on a Unix socket in that directory, stopped and (when temporary) removed by ``stop()``. With a standby, a
/// second server in the same directory streams the primary's WAL (a base backup of it, made once), and the primary
/// names it in `synchronous_standby_names`, so a commit that waits for it is on two servers.
///
/// initdb and pg_ctl refuse to run as root; when SurgeBench is root they run as the `postgres` user. A watchdog
/// process stops the servers and removes a temporary cluster if SurgeBench dies without stopping them (a second
/// Ctrl-C, a kill), so a run never leaves a server behind. The first cluster of a process is made by initdb; later
/// ones copy that fresh cluster, which takes a fraction of the time.
///
/// Layout: `data/` and `run/` (its socket and log) for the primary, `standby/` and `standby-run/` for the standby.
final class PostgresServer: Sendable {
    let directory: String
    let isTemporary: Bool
    /// The connection string for the primary (Unix socket, trust authentication, the `surgebench` role); with a
    /// standby, it lists both servers and asks for the one that takes writes (`target_session_attrs=read-write`), as a
    /// client of a failover pair would: after ``failOver()`` a new connection reaches the promoted standby.
    let connectionString: String
    private let nodes: [Node]
    private let watchdog: Int32
    /// Measures the servers (the primary and the standby count their syncs into one file).
    let meter: ServerMeter
    private let stopped = Atomic<Bool>(false)

    static let binaries = "/usr/lib/postgresql/15/bin"
    static let role = "surgebench"
    /// The OS user that runs the server and its tools when SurgeBench is root (they refuse root).
    static let serverUser = "postgres"
    /// The name the standby connects with, which the primary waits for.
    static let standbyName = "surgebench_standby"
    /// The template cluster of this process, made on first use.
    private static let template = Mutex<String?>(nil)

    /// One server of the cluster: its data directory and the directory of its socket and log.
    private struct Node: Sendable {
        var data: String
        var runtime: String
        var connectionString: String { "host=\(runtime) port=5432 user=\(PostgresServer.role) dbname=postgres" }
    }

    /// Starts a server on the cluster in `requestedPath` (made when empty or missing), or in a new temporary directory,
    /// and with `standby`, its synchronous standby (made by a base backup when missing).
    init(requestedPath: String, settings: [String: String], standby: Bool = false) throws(StoreError) {
        guard FileManager.default.isExecutableFile(atPath: "\(Self.binaries)/pg_ctl") else {
            throw StoreError(.cannotOpen, "PostgreSQL 15 is not installed (no \(Self.binaries)/pg_ctl): run `make deps` or "
                + "`apt-get install postgresql libpq-dev`, or point url= at a server")
        }
        let directory = requestedPath.isEmpty
            ? try Self.makeTemporaryDirectory()
            : URL(fileURLWithPath: requestedPath).standardizedFileURL.path  // the tools run from /
        self.directory = directory
        isTemporary = requestedPath.isEmpty
        func inDirectory(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        // The socket and the log, in a directory the server's user owns (a given path may belong to someone else).
        let primary = Node(data: inDirectory("data"), runtime: inDirectory("run"))
        let secondary = standby ? Node(data: inDirectory("standby"), runtime: inDirectory("standby-run")) : nil
        nodes = [primary] + (secondary.map { [$0] } ?? [])
        // A Unix socket's path holds at most 107 bytes; PostgreSQL would only say it could not create one.
        if let longest = nodes.map({ ($0.runtime as NSString).appendingPathComponent(".s.PGSQL.5432") }).max(by: { $0.utf8.count < $1.utf8.count }),
           longest.utf8.count > 107 {
            throw StoreError(.cannotOpen, "the store path '\(directory)' is too long for PostgreSQL's Unix socket ('\(longest)' is "
                + "\(longest.utf8.count) bytes; the limit is 107): give a shorter path= (or TMPDIR)")
        }
        meter = ServerMeter(directory: directory)
        let meter = meter
        // Before anything starts, so that no server outlives SurgeBench even if it dies while starting one.
        watchdog = Self.startWatchdog(stopping: nodes.map(\.data), removing: isTemporary ? directory : nil)
        do throws(StoreError) {
            if !FileManager.default.fileExists(atPath: (primary.data as NSString).appendingPathComponent("PG_VERSION")) {
                try Self.makeCluster(at: primary.data, owner: directory)
            }
            var primarySettings = settings
            if standby { primarySettings["synchronous_standby_names"] = "'\(Self.standbyName)'" }
            try Self.start(primary, settings: primarySettings, environment: meter.environment())
            if let secondary {
                if !FileManager.default.fileExists(atPath: (secondary.data as NSString).appendingPathComponent("PG_VERSION")) {
                    do {
                        try FileManager.default.createDirectory(atPath: secondary.data, withIntermediateDirectories: true,
                                                                attributes: [.posixPermissions: 0o700])
                    } catch {
                        throw StoreError(.cannotOpen, "cannot create '\(secondary.data)': \(error.localizedDescription)")
                    }
                    try Self.giveToServerUser(secondary.data)
                    // -R writes standby.signal and the primary's address; -X stream copies the WAL the backup needs.
                    try ChildProcess.run(["\(Self.binaries)/pg_basebackup", "-D", secondary.data, "-h", primary.runtime, "-p", "5432",
                                  "-U", Self.role, "-X", "stream", "-c", "fast", "-R"], what: "making the standby (pg_basebackup)", asUser: Self.serverUser)
                }
                var standbySettings = settings
                standbySettings["cluster_name"] = Self.standbyName  // the application name it streams under
                try Self.start(secondary, settings: standbySettings, environment: meter.environment())
            }
        } catch {
            ChildProcess.end(watchdog)
            for node in nodes.reversed() { Self.stop(node) }
            if isTemporary { try? FileManager.default.removeItem(atPath: directory) }
            throw error
        }
        connectionString = secondary.map {
            "host=\(primary.runtime),\($0.runtime) port=5432,5432 user=\(Self.role) dbname=postgres target_session_attrs=read-write"
        } ?? primary.connectionString
    }

    deinit { stop() }

    /// The pid of the primary's postmaster on the cluster in `path` (from its postmaster.pid), if it is running.
    static func postmaster(inPath path: String) -> Int32? {
        postmaster(inData: (path as NSString).appendingPathComponent("data"))
    }

    /// The pid of the postmaster of the data directory `data`, if it is running.
    private static func postmaster(inData data: String) -> Int32? {
        let file = (data as NSString).appendingPathComponent("postmaster.pid")
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let first = text.split(separator: "\n").first,
              let pid = Int32(first), pid > 0, kill(pid, 0) == 0 else { return nil }
        return pid
    }

    /// Stops the servers (fast shutdown: open transactions roll back, committed data is kept; the primary first, so
    /// its last WAL reaches the standby) and removes a temporary cluster. Safe to call twice.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        ChildProcess.end(watchdog)
        for node in nodes { Self.stop(node) }
        if isTemporary { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Kills the primary (its postmaster and every backend and helper, SIGKILL, as its machine dying would) and
    /// promotes the standby with `pg_ctl promote`, as an operator or a failover manager (Patroni, repmgr) would; returns
    /// once the standby takes writes. The promoted server has no synchronous standby of its own.
    func failOver() throws(StoreError) {
        guard nodes.count == 2 else { throw StoreError(.invalidOption, "a failover needs the standby that durability=replicated starts") }
        guard let primary = Self.postmaster(inData: nodes[0].data) else {
            throw StoreError(.unavailable, "the PostgreSQL primary in '\(nodes[0].data)' is not running; nothing to fail over from")
        }
        ProcessTree.killAll([primary])
        try ChildProcess.run(["\(Self.binaries)/pg_ctl", "-D", nodes[1].data, "-w", "-t", "60", "promote"],
                             what: "promoting the PostgreSQL standby", asUser: Self.serverUser)
    }

    // MARK: Servers

    /// The postmasters running now (the primary's, then the standby's); their children are the backends and helpers.
    var postmasters: [Int32] { nodes.compactMap { Self.postmaster(inData: $0.data) } }

    private static func start(_ node: Node, settings: [String: String], environment: [String: String]) throws(StoreError) {
        if !FileManager.default.fileExists(atPath: node.runtime) {
            do { try FileManager.default.createDirectory(atPath: node.runtime, withIntermediateDirectories: true) } catch {
                throw StoreError(.cannotOpen, "cannot create '\(node.runtime)': \(error.localizedDescription)")
            }
            try giveToServerUser(node.runtime)
        }
        removeStaleLockFile(of: node)
        var options = "-c listen_addresses='' -c unix_socket_directories='\(node.runtime)' -c port=5432"
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) { options += " -c \(name)=\(value)" }
        let log = (node.runtime as NSString).appendingPathComponent("server.log")
        do throws(StoreError) {
            try ChildProcess.run(["\(binaries)/pg_ctl", "-D", node.data, "-l", log, "-w", "-t", "60", "-o", options, "start"],
                    what: "starting PostgreSQL", asUser: serverUser, environment: environment)
        } catch {
            let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(3).joined(separator: " | ")
            throw StoreError(.cannotOpen, "\(error.message); server log: \(tail)")
        }
    }

    /// Removes the lock files (`postmaster.pid`, and the socket's, which a reboot clears with its tmpfs) left by a
    /// server that is gone (after a crash or a power cut) whose PID now names a process that is not that server (a
    /// zombie not yet reaped, or another program): PostgreSQL would take it for a running postmaster and refuse to
    /// start, as `pg_ctlcluster` guards against after a reboot.
    private static func removeStaleLockFile(of node: Node) {
        for file in [(node.data as NSString).appendingPathComponent("postmaster.pid"),
                     (node.runtime as NSString).appendingPathComponent(".s.PGSQL.5432.lock")] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8), let first = text.split(separator: "\n").first,
                  let pid = Int32(first), pid > 0 else { continue }
            let state = ((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "").split(separator: ")").last?
                .split(separator: " ").first
            let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            let isThatServer = state != nil && state != "Z" && command.contains("postgres") && command.contains(node.data)
            if !isThatServer { unlink(file) }
        }
    }

    private static func stop(_ node: Node) {
        guard FileManager.default.fileExists(atPath: (node.data as NSString).appendingPathComponent("postmaster.pid")) else { return }
        try? ChildProcess.run(["\(binaries)/pg_ctl", "-D", node.data, "-m", "fast", "-w", "stop"], what: "stopping PostgreSQL", asUser: serverUser)
    }

    // MARK: Clusters

    private static func makeTemporaryDirectory() throws(StoreError) -> String {
        let path = try StoreDirectory.makeTemporary(prefix: "surgebench-pg")
        try giveToServerUser(path)
        return path
    }

    /// A fresh cluster in `data`: a copy of this process's template, made by initdb the first time.
    private static func makeCluster(at data: String, owner directory: String) throws(StoreError) {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: directory) {
            do { try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw StoreError(.cannotOpen, "cannot create postgres store directory '\(directory)': \(error.localizedDescription)")
            }
            try giveToServerUser(directory)
        }
        let templateData = try template.withLock { (template) throws(StoreError) -> String in
            if let template { return template }
            let path = try makeTemporaryDirectory()
            _ = startWatchdog(stopping: [], removing: path)  // the template outlives every server, not the process
            let templateData = (path as NSString).appendingPathComponent("data")
            try ChildProcess.run(["\(binaries)/initdb", "-D", templateData, "-U", role, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"],
                    what: "initdb", asUser: serverUser)
            template = templateData
            return templateData
        }
        // As SurgeBench's own user: the directory may be SurgeBench's; `cp -a` keeps the files the server's.
        try ChildProcess.run(["/bin/cp", "-a", templateData, data], what: "copying the template cluster")
    }

    /// When SurgeBench runs as root, the server's files belong to the `postgres` user, which runs the server.
    private static func giveToServerUser(_ path: String) throws(StoreError) {
        guard getuid() == 0 else { return }
        guard let user = getpwnam(serverUser) else {
            throw StoreError(.cannotOpen, "running as root, but there is no `postgres` user to run the server: install postgresql")
        }
        guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw StoreError(.cannotOpen, "cannot give '\(path)' to the postgres user: \(String(cString: strerror(errno)))")
        }
    }

    /// A process that waits for SurgeBench to exit, then stops the servers on `data` and removes `directory`. A
    /// cluster's watchdog is killed by ``stop()`` when SurgeBench stops the servers itself.
    private static func startWatchdog(stopping data: [String], removing directory: String?) -> Int32 {
        let asServer = getuid() == 0 ? "/usr/sbin/runuser -u \(serverUser) -- " : ""
        // pg_ctl finds the server through postmaster.pid in `data`; if another watchdog (a crash run's scratch folder) has
        // removed the folder first, the server is found by its command line instead (the "[p]" keeps the pattern from
        // matching the watchdog's own command line).
        return ChildProcess.startWatchdog(cleanup: data.map {
            "\(asServer)\(binaries)/pg_ctl -D '\($0)' -m immediate -w stop >/dev/null 2>&1; pkill -9 -f 'bin/[p]ostgres -D \($0) ' >/dev/null 2>&1; "
        }.joined() + (directory.map { "rm -rf '\($0)'" } ?? "true"))
    }
}

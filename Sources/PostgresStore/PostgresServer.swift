import Foundation
import Synchronization
import SurgeCore

/// A throwaway PostgreSQL cluster of SurgeBench's own: made in a temporary directory (or the given one), listening
/// only on a Unix socket in that directory, stopped and (when temporary) removed by ``stop()``.
///
/// initdb and pg_ctl refuse to run as root; when SurgeBench is root they run as the `postgres` user. A watchdog
/// process stops the server and removes a temporary cluster if SurgeBench dies without stopping it (a second Ctrl-C,
/// a kill), so a run never leaves a server behind. The first server of a process is made by initdb; later ones copy
/// that fresh cluster, which takes a fraction of the time.
final class PostgresServer: Sendable {
    let directory: String
    let isTemporary: Bool
    /// The connection string for the server (Unix socket, trust authentication, the `surgebench` role).
    let connectionString: String
    private let watchdog: Int32
    private let stopped = Atomic<Bool>(false)

    static let binaries = "/usr/lib/postgresql/15/bin"
    static let role = "surgebench"
    /// The template cluster of this process, made on first use.
    private static let template = Mutex<String?>(nil)

    /// Starts a server on the cluster in `requestedPath` (made when empty or missing), or in a new temporary directory.
    init(requestedPath: String, settings: [String: String]) throws(StoreError) {
        guard FileManager.default.isExecutableFile(atPath: "\(Self.binaries)/pg_ctl") else {
            throw StoreError(.cannotOpen, "PostgreSQL 15 is not installed (no \(Self.binaries)/pg_ctl): run `make deps` or "
                + "`apt-get install postgresql libpq-dev`, or point url= at a server")
        }
        if requestedPath.isEmpty {
            directory = try Self.makeTemporaryDirectory()
            isTemporary = true
        } else {
            directory = URL(fileURLWithPath: requestedPath).standardizedFileURL.path  // the tools run from /
            isTemporary = false
        }
        let data = (directory as NSString).appendingPathComponent("data")
        // The socket and the log, in a directory the server's user owns (a given path may belong to someone else).
        let runtime = (directory as NSString).appendingPathComponent("run")
        // Before anything starts, so that no server outlives SurgeBench even if it dies while starting one.
        watchdog = Self.startWatchdog(stopping: data, removing: isTemporary ? directory : nil)
        do throws(StoreError) {
            if !FileManager.default.fileExists(atPath: (data as NSString).appendingPathComponent("PG_VERSION")) {
                try Self.makeCluster(at: data, owner: directory)
            }
            if !FileManager.default.fileExists(atPath: runtime) {
                do { try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true) } catch {
                    throw StoreError(.cannotOpen, "cannot create '\(runtime)': \(error.localizedDescription)")
                }
                try Self.giveToServerUser(runtime)
            }
            var options = "-c listen_addresses='' -c unix_socket_directories='\(runtime)' -c port=5432"
            for (name, value) in settings.sorted(by: { $0.key < $1.key }) { options += " -c \(name)=\(value)" }
            let log = (runtime as NSString).appendingPathComponent("server.log")
            do throws(StoreError) {
                try Self.run(["\(Self.binaries)/pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start"],
                             what: "starting PostgreSQL")
            } catch {
                let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(3).joined(separator: " | ")
                throw StoreError(.cannotOpen, "\(error.message); server log: \(tail)")
            }
        } catch {
            Self.endWatchdog(watchdog)
            if isTemporary { try? FileManager.default.removeItem(atPath: directory) }
            throw error
        }
        connectionString = "host=\(runtime) port=5432 user=\(Self.role) dbname=postgres"
    }

    deinit { stop() }

    /// Stops the server (fast shutdown: open transactions roll back, committed data is kept) and removes a temporary
    /// cluster. Safe to call twice.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        Self.endWatchdog(watchdog)
        let data = (directory as NSString).appendingPathComponent("data")
        try? Self.run(["\(Self.binaries)/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], what: "stopping PostgreSQL")
        if isTemporary { try? FileManager.default.removeItem(atPath: directory) }
    }

    // MARK: Clusters

    private static func makeTemporaryDirectory() throws(StoreError) -> String {
        var bytes = Array((NSTemporaryDirectory() + "surgebench-pg-XXXXXX").utf8CString)
        guard mkdtemp(&bytes) != nil else {
            throw StoreError(.cannotOpen, "cannot create a temporary directory under \(NSTemporaryDirectory()): \(String(cString: strerror(errno)))")
        }
        let path = String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
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
            _ = startWatchdog(stopping: nil, removing: path)  // the template outlives every server, not the process
            let templateData = (path as NSString).appendingPathComponent("data")
            try run(["\(binaries)/initdb", "-D", templateData, "-U", role, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"],
                    what: "initdb")
            template = templateData
            return templateData
        }
        // As SurgeBench's own user: the directory may be SurgeBench's; `cp -a` keeps the files the server's.
        try run(["/bin/cp", "-a", templateData, data], what: "copying the template cluster", asServerUser: false)
    }

    /// When SurgeBench runs as root, the server's files belong to the `postgres` user, which runs the server.
    private static func giveToServerUser(_ path: String) throws(StoreError) {
        guard getuid() == 0 else { return }
        guard let user = getpwnam("postgres") else {
            throw StoreError(.cannotOpen, "running as root, but there is no `postgres` user to run the server: install postgresql")
        }
        guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw StoreError(.cannotOpen, "cannot give '\(path)' to the postgres user: \(String(cString: strerror(errno)))")
        }
    }

    /// Runs a tool (a PostgreSQL one as the `postgres` user when root) and waits; throws with its output when it fails.
    /// The output goes through a file, not a pipe: a server the tool starts would hold a pipe open for its lifetime.
    private static func run(_ arguments: [String], what: String, asServerUser: Bool = true) throws(StoreError) {
        let outputPath = NSTemporaryDirectory() + "surgebench-pg-output-\(getpid())-\(UUID().uuidString)"
        defer { unlink(outputPath) }
        let command = getuid() == 0 && asServerUser ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments
        let pid = spawn(command, output: outputPath, newSession: false)
        guard pid > 0 else { throw StoreError(.cannotOpen, "\(what) failed: cannot start \(command[0])") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exitCode = (status >> 8) & 0xFF
        guard status & 0x7F == 0, exitCode == 0 else {
            let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            throw StoreError(.cannotOpen, "\(what) failed (exit status \(status)): \(text.suffix(600))")
        }
    }

    /// Starts `arguments` with standard input from /dev/null and its output appended to `output`; returns its pid
    /// (0 when it could not start).
    private static func spawn(_ arguments: [String], output: String, newSession: Bool) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if newSession { posix_spawnattr_setflags(&attributes, 0x80) }  // POSIX_SPAWN_SETSID: Ctrl-C does not reach it
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ) == 0 else { return 0 }
        return pid
    }

    private static func endWatchdog(_ pid: Int32) {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// A process that waits for SurgeBench to exit, then stops the server on `data` and removes `directory`. A
    /// server's watchdog is killed by ``stop()`` when SurgeBench stops the server itself.
    private static func startWatchdog(stopping data: String?, removing directory: String?) -> Int32 {
        let asServer = getuid() == 0 ? "/usr/sbin/runuser -u postgres -- " : ""
        let script = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; "
            + (data.map { "\(asServer)\(binaries)/pg_ctl -D '\($0)' -m immediate -w stop >/dev/null 2>&1; " } ?? "")
            + (directory.map { "rm -rf '\($0)'" } ?? "true")
        return spawn(["/bin/sh", "-c", script], output: "/dev/null", newSession: true)
    }
}

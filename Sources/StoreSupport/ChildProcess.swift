import Foundation
import SurgeCore

/// Runs the command-line tools and servers a backend starts (initdb, pg_ctl, redis-server, ...) without Foundation's
/// `Process`, which can hang on a tool that leaves a server running; and the watchdogs that clean up after them.
public enum ChildProcess {
    /// Runs a tool and waits; returns its output, or throws with it when the tool fails. When SurgeBench is root and
    /// `user` is given, the tool runs as that user (server tools that refuse root), with `environment` added to this
    /// process's. The output goes through a file, not a pipe: a server the tool starts would hold a pipe open for its
    /// lifetime.
    @discardableResult
    public static func run(_ arguments: [String], what: String, asUser user: String? = nil, environment: [String: String] = [:]) throws(StoreError) -> String {
        let outputPath = NSTemporaryDirectory() + "surgebench-output-\(getpid())-\(UUID().uuidString)"
        defer { unlink(outputPath) }
        let command = getuid() == 0 && user != nil ? ["/usr/sbin/runuser", "-u", user!, "--"] + arguments : arguments
        let pid = spawn(command, output: outputPath, newSession: false, environment: environment)
        guard pid > 0 else { throw StoreError(.cannotOpen, "\(what) failed: cannot start \(command[0])") }
        let status = wait(for: pid)
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw StoreError(.cannotOpen, "\(what) failed (exit status \(status)): \(text.suffix(600))")
        }
        return text
    }

    /// Starts `arguments` with standard input from /dev/null and its output appended to `output`, with `environment`
    /// added to this process's; returns its pid (0 when it could not start).
    public static func spawn(_ arguments: [String], output: String, newSession: Bool, environment: [String: String] = [:]) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A thread of Dispatch's pool blocks most signals, and a child inherits that mask: pgbench would never see the
        // SIGALRM that ends its --time. The child starts with no signal blocked and every signal at its default.
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        let flags = Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | (newSession ? 0x80 : 0)  // 0x80: POSIX_SPAWN_SETSID
        posix_spawnattr_setflags(&attributes, flags)  // with SETSID, Ctrl-C does not reach the child
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        if environment.isEmpty {
            guard posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ) == 0 else { return 0 }
            return pid
        }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        var envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        guard posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, &envp) == 0 else { return 0 }
        return pid
    }

    /// Waits for the child `pid` to end; returns its wait status (0: exited with 0).
    @discardableResult
    public static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return status
    }

    /// Starts a process, in its own session, that runs `cleanup` (shell) once this process has exited, however it
    /// exits: a second Ctrl-C or a kill leaves no server or temporary directory behind. ``end(_:)`` stops it when
    /// SurgeBench cleans up by itself.
    public static func startWatchdog(cleanup: String) -> pid_t {
        spawn(["/bin/sh", "-c", "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(cleanup)"], output: "/dev/null",
              newSession: true)
    }

    /// Kills the child `pid` and reaps it.
    public static func end(_ pid: pid_t) {
        guard pid > 0 else { return }
        kill(pid, SIGKILL)
        wait(for: pid)
    }
}

import Foundation
import SurgeCore

/// Runs PostgreSQL's command-line tools (initdb, pg_ctl, pg_basebackup, pgbench) without Foundation's `Process`,
/// which can hang on a tool that leaves a server running.
package enum PostgresTool {
    /// Runs a tool (a PostgreSQL server tool as the `postgres` user when root) and waits; returns its output, or throws
    /// with it when the tool fails.
    /// The output goes through a file, not a pipe: a server the tool starts would hold a pipe open for its lifetime.
    @discardableResult
    package static func run(_ arguments: [String], what: String, asServerUser: Bool = true) throws(StoreError) -> String {
        let outputPath = NSTemporaryDirectory() + "surgebench-pg-output-\(getpid())-\(UUID().uuidString)"
        defer { unlink(outputPath) }
        let command = getuid() == 0 && asServerUser ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments
        let pid = spawn(command, output: outputPath, newSession: false)
        guard pid > 0 else { throw StoreError(.cannotOpen, "\(what) failed: cannot start \(command[0])") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exitCode = (status >> 8) & 0xFF
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status & 0x7F == 0, exitCode == 0 else {
            throw StoreError(.cannotOpen, "\(what) failed (exit status \(status)): \(text.suffix(600))")
        }
        return text
    }

    /// Starts `arguments` with standard input from /dev/null and its output appended to `output`; returns its pid
    /// (0 when it could not start).
    static func spawn(_ arguments: [String], output: String, newSession: Bool) -> pid_t {
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
        guard posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, environ) == 0 else { return 0 }
        return pid
    }

}

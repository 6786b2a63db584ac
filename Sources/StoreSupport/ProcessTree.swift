import Foundation
import SurgeCore

/// Processes found through /proc: a server's process tree, to kill it as a crash would, and the watchdogs a process
/// left behind.
public enum ProcessTree {
    /// `roots` and every process descended from them.
    public static func withDescendants(of roots: [pid_t]) -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        for (pid, parent) in parents() { children[parent, default: []].append(pid) }
        var found = roots
        var seen = Set(roots)
        var index = 0
        while index < found.count {
            for child in children[found[index]] ?? [] where seen.insert(child).inserted { found.append(child) }
            index += 1
        }
        return found
    }

    /// The processes whose command line (or process title) starts with `prefix`.
    public static func processes(commandStartingWith prefix: String) -> [pid_t] {
        let marker = Array(prefix.utf8)
        return processes().filter { pid in
            let command = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")))) ?? []
            return command.count >= marker.count && command.prefix(marker.count).elementsEqual(marker)
        }
    }

    /// Kills `roots` and their descendants with SIGKILL at once, then waits (up to 10 s) until none is left.
    public static func killAll(_ roots: [pid_t]) {
        let tree = withDescendants(of: roots)
        for pid in tree { kill(pid, SIGKILL) }
        awaitGone { tree.contains { isAlive($0) } }
    }

    /// Waits (up to 10 s) until no watchdog of `pid` (``ChildProcess/startWatchdog(cleanup:)``) is left: after `pid`
    /// died, its watchdogs run their cleanup, which must be over before anything reuses what they clean up.
    public static func awaitWatchdogs(of pid: pid_t) {
        let marker = Array("kill -0 \(pid) ".utf8)
        awaitGone {
            processes().contains { other in
                let command = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: "/proc/\(other)/cmdline")))) ?? []
                return command.count >= marker.count && (0...(command.count - marker.count)).contains { command[$0..<$0 + marker.count].elementsEqual(marker) }
            }
        }
    }

    private static func awaitGone(_ stillThere: () -> Bool) {
        let deadline = MonotonicClock.now() + 10_000_000_000
        while stillThere(), MonotonicClock.now() < deadline { usleep(10_000) }
    }

    /// Alive and not a zombie.
    private static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0, let state = statFields(pid)?.first else { return false }
        return state != "Z"
    }

    private static func processes() -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
    }

    /// Each process's parent.
    private static func parents() -> [(pid_t, pid_t)] {
        processes().compactMap { pid in
            // fields[0] is the state, [1] the parent.
            guard let fields = statFields(pid), fields.count > 1, let parent = pid_t(fields[1]) else { return nil }
            return (pid, parent)
        }
    }

    /// The fields of /proc/PID/stat after the command's closing parenthesis (0: the state, 1: the parent, 11 and 12:
    /// user and system CPU ticks); nil for a process that is gone.
    static func statFields(_ pid: pid_t) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }
}

extension ProcessTree {
    /// The processes whose environment, as they were started, holds `entry` ("NAME=value") exactly: a driver's
    /// processes, which carry the store directory they serve.
    public static func processes(withEnvironmentEntry entry: String) -> [pid_t] {
        let wanted = Array(entry.utf8)
        return processes().filter { pid in
            let environment = (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")))) ?? []
            return environment.split(separator: 0).contains { $0.elementsEqual(wanted) }
        }
    }
}

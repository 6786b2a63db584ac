import Foundation
import SurgeCore

/// Measures the servers a store started, from outside them: their processes' CPU time, bytes written and memory from
/// /proc, and their syncs from a counter file every process of the store's servers counts into (when SurgeBench runs
/// with the sync-counting library, which the servers then inherit).
public struct ServerMeter: Sendable {
    /// The file the servers count their syncs into, in the store's directory.
    public let counterFile: String

    /// A meter for servers kept in `directory`.
    public init(directory: String) {
        counterFile = (directory as NSString).appendingPathComponent("sync-counts")
    }

    /// What to add to the servers' environment when starting them: the counter file (made here, writable by the
    /// server's user), when this process counts syncs; nothing otherwise.
    public func environment() -> [String: String] {
        guard SyncCounting.isActive else { return [:] }
        if !FileManager.default.fileExists(atPath: counterFile) {
            FileManager.default.createFile(atPath: counterFile, contents: Data(count: 64), attributes: [.posixPermissions: 0o666])
        }
        chmod(counterFile, 0o666)  // the creation mode is filtered by the umask
        return [SyncCounting.counterFileVariable: counterFile]
    }

    /// The counters of the processes `roots` and all their descendants now, with the servers' own `reported` figures.
    public func sample(roots: [pid_t], reported: [String: Double] = [:]) -> ServerSample {
        let tree = ProcessTree.withDescendants(of: roots.filter { $0 > 0 })
        var counters = ProcessCounters(syncs: syncs())
        var resident: UInt64 = 0
        var counted = 0
        for pid in tree {
            // utime, stime, then cutime and cstime: the CPU of children this process reaped (a backend that exited).
            guard let fields = ProcessTree.statFields(pid), fields.count > 14 else { continue }
            let ticks = fields[11...14].map { UInt64($0) ?? 0 }
            counted += 1
            counters.userNanos += (ticks[0] + ticks[2]) * Self.nanosPerTick
            counters.systemNanos += (ticks[1] + ticks[3]) * Self.nanosPerTick
            // Includes the writes of the process's reaped children, as the kernel adds them up at the reaping.
            counters.bytesWritten += Self.field("/proc/\(pid)/io", "write_bytes:") ?? 0
            resident += (Self.field("/proc/\(pid)/smaps_rollup", "Pss:") ?? 0) * 1024
        }
        return ServerSample(processes: counters, residentBytes: resident, processCount: counted, reported: reported)
    }

    /// The servers' syncs so far; nil when they do not count them (no counter file).
    func syncs() -> SyncCounts? {
        guard let data = FileManager.default.contents(atPath: counterFile), data.count >= 64 else { return nil }
        return SyncCounts(words: (0..<8).map { index in data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self) } })
    }

    private static let nanosPerTick = UInt64(1_000_000_000 / max(1, sysconf(Int32(_SC_CLK_TCK))))

    /// The first number after `name` in a /proc file of `name: value` lines.
    private static func field(_ path: String, _ name: String) -> UInt64? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name) {
            return line.dropFirst(name.count).split(separator: " ").first.flatMap { UInt64($0) }
        }
        return nil
    }
}

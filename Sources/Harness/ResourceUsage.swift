import Foundation
import Glibc
import SurgeCore

/// The process's CPU time, bytes written to storage and syncs, read at the edges of a replay and of its phases.
public struct ResourceUsage: Sendable, Hashable, Codable {
    public var cpuNanos: UInt64
    /// `write_bytes` of /proc/self/io: bytes this process caused to be sent to storage (0 where unavailable).
    public var bytesWritten: UInt64
    /// This process's syncs (an in-process store's), when it counts them (``SyncCounting``); nil otherwise.
    public var syncs: SyncCounts? = nil

    public init(cpuNanos: UInt64, bytesWritten: UInt64, syncs: SyncCounts? = nil) {
        self.cpuNanos = cpuNanos
        self.bytesWritten = bytesWritten
        self.syncs = syncs
    }

    public static func current() -> ResourceUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func nanos(_ time: timeval) -> UInt64 { UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_usec) * 1000 }
        return ResourceUsage(cpuNanos: nanos(usage.ru_utime) + nanos(usage.ru_stime), bytesWritten: procWriteBytes(),
                             syncs: SyncCounting.ownCounts())
    }

    private static func procWriteBytes() -> UInt64 {
        guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return UInt64(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }

    /// Starts a new peak of this process's resident memory (`VmHWM`) from its current size, where Linux allows
    /// (writing 5 to /proc/self/clear_refs); elsewhere the peak stays the process's whole life's.
    public static func resetPeakResident() {
        guard let file = fopen("/proc/self/clear_refs", "w") else { return }
        fputs("5", file)
        fclose(file)
    }

    /// This process's peak resident memory in bytes (`VmHWM` of /proc/self/status), nil where unavailable.
    public static func peakResidentBytes() -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces).split(separator: " ").first
            return kilobytes.flatMap { UInt64($0) }.map { $0 * 1024 }
        }
        return nil
    }

    public static func - (lhs: ResourceUsage, rhs: ResourceUsage) -> ResourceUsage {
        ResourceUsage(cpuNanos: lhs.cpuNanos &- rhs.cpuNanos, bytesWritten: lhs.bytesWritten &- rhs.bytesWritten,
                      syncs: lhs.syncs.map { now in rhs.syncs.map { now - $0 } ?? now })
    }

    /// The usage of two processes together (the shards of one run).
    public static func + (lhs: ResourceUsage, rhs: ResourceUsage) -> ResourceUsage {
        let syncs: SyncCounts? = lhs.syncs == nil && rhs.syncs == nil ? nil : (lhs.syncs ?? .zero) + (rhs.syncs ?? .zero)
        return ResourceUsage(cpuNanos: lhs.cpuNanos + rhs.cpuNanos, bytesWritten: lhs.bytesWritten + rhs.bytesWritten, syncs: syncs)
    }
}

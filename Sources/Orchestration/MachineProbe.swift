import Foundation
import SurgeCore
import Workload

/// A short measurement of the machine a run used: how fast its disk syncs and how fast its CPU runs a fixed loop.
/// Two runs whose probes differ much measured different machines, whatever their statistics say.
public struct MachineProbe: Sendable, Hashable, Codable {
    /// Where the disk was probed (the directory the stores were created in).
    public var directory: String
    /// Median time of one 4 KiB `pwrite` followed by `fsync`, in microseconds.
    public var fsyncMedianMicros: Double
    /// 4 KiB write + fsync pairs completed per second, back to back.
    public var fsyncsPerSecond: Double
    /// Median time of a fixed integer loop (\(MachineProbe.cpuLoopIterations) SplitMix64 steps), in milliseconds.
    public var cpuLoopMillis: Double

    /// Iterations of the CPU loop: about 20 ms on a 2020s server core.
    public static let cpuLoopIterations = 10_000_000

    /// A probe of `directory`'s disk and of the CPU, as measured.
    public init(directory: String, fsyncMedianMicros: Double, fsyncsPerSecond: Double, cpuLoopMillis: Double) {
        self.directory = directory
        self.fsyncMedianMicros = fsyncMedianMicros
        self.fsyncsPerSecond = fsyncsPerSecond
        self.cpuLoopMillis = cpuLoopMillis
    }

    /// Probes the disk under `directory` for about `diskSeconds` and the CPU with five loops. Nil when the directory
    /// cannot hold a scratch file (the run itself then says why).
    public static func measure(directory: String, diskSeconds: Double = 1) -> MachineProbe? {
        guard let disk = measureDisk(directory: directory, seconds: diskSeconds) else { return nil }
        let loops = (0..<5).map { _ in measureCPULoop() }
        return MachineProbe(directory: directory, fsyncMedianMicros: disk.medianMicros, fsyncsPerSecond: disk.perSecond,
                            cpuLoopMillis: Statistics.median(loops))
    }

    /// The directory a store with this `path` option is created in: the path's parent, or the temporary directory
    /// where scratch stores go.
    public static func storeDirectory(forPath path: String?) -> String {
        guard let path else { return NSTemporaryDirectory() }
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? FileManager.default.currentDirectoryPath : parent
    }

    /// The element-wise median of several probes (one per repetition of a pooled run); nil for none.
    public static func median(_ probes: [MachineProbe]) -> MachineProbe? {
        guard let first = probes.first else { return nil }
        return MachineProbe(
            directory: first.directory, fsyncMedianMicros: Statistics.median(probes.map(\.fsyncMedianMicros)),
            fsyncsPerSecond: Statistics.median(probes.map(\.fsyncsPerSecond)), cpuLoopMillis: Statistics.median(probes.map(\.cpuLoopMillis)))
    }
    /// One line for a table's header: "disk 4 KiB write+fsync 0.142 ms median (6,900/s), CPU loop 21.3 ms".
    public var summary: String {
        String(format: "disk 4 KiB write+fsync %.3f ms median (%.0f/s), CPU loop %.1f ms", fsyncMedianMicros / 1000, fsyncsPerSecond, cpuLoopMillis)
    }

    /// Why two probes describe machines too different to compare runs on, or nil when they are alike: the disk's
    /// sync latency differs by more than `diskFactor`, or the CPU loop by more than `cpuFactor`.
    public func difference(from other: MachineProbe, diskFactor: Double = 2, cpuFactor: Double = 1.5) -> String? {
        func ratio(_ a: Double, _ b: Double) -> Double { a > 0 && b > 0 ? max(a / b, b / a) : 1 }
        var reasons: [String] = []
        let disk = ratio(fsyncMedianMicros, other.fsyncMedianMicros)
        if disk > diskFactor {
            reasons.append(String(format: "disk sync latency %.3f vs %.3f ms (%.1fx, limit %.1fx)",
                                  other.fsyncMedianMicros / 1000, fsyncMedianMicros / 1000, disk, diskFactor))
        }
        let cpu = ratio(cpuLoopMillis, other.cpuLoopMillis)
        if cpu > cpuFactor {
            reasons.append(String(format: "CPU loop %.1f vs %.1f ms (%.1fx, limit %.1fx)", other.cpuLoopMillis, cpuLoopMillis, cpu, cpuFactor))
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
    }

    private static func measureDisk(directory: String, seconds: Double) -> (medianMicros: Double, perSecond: Double)? {
        let path = (directory as NSString).appendingPathComponent(".surgebench-probe-\(getpid())-\(UUID().uuidString)")
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return nil }
        defer {
            close(descriptor)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x5A, count: 4096)
        var latencies: [Double] = []
        let budgetNanos = UInt64(max(0.05, min(seconds, 10)) * 1e9)
        let start = MonotonicClock.now()
        var now = start
        while now - start < budgetNanos, latencies.count < 100_000 {
            let written = block.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
            guard written == block.count, fsync(descriptor) == 0 else { return nil }
            let end = MonotonicClock.now()
            latencies.append(Double(end - now) / 1000)
            now = end
        }
        guard !latencies.isEmpty else { return nil }
        return (Statistics.median(latencies), Double(latencies.count) / (Double(now - start) / 1e9))
    }

    private static func measureCPULoop() -> Double {
        var random = SeededRandom(seed: UInt64(truncatingIfNeeded: getpid()))
        var state: UInt64 = 0
        let start = MonotonicClock.now()
        for _ in 0..<cpuLoopIterations { state ^= random.next() }
        let elapsed = MonotonicClock.now() - start
        // The result is used, so the loop cannot be optimised away.
        if state == 0x1234_5678 { FileHandle.standardError.write(Data("probe\n".utf8)) }
        return Double(elapsed) / 1e6
    }
}

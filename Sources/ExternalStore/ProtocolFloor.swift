import Foundation
import SurgeCore

/// The floor the driver protocol adds to every operation on this machine: the round trip of one call (USER_BY_PHONE)
/// to the C null driver, which answers from memory at once, with the null driver and the caller on one core, then on
/// two (where a call also pays the wake-up of the other core). Measured once per process, when a run's results are
/// gathered: three batches of 2,000 calls each way, the median batch's mean.
public enum ProtocolFloor {
    /// Microseconds per call on one core and across cores (nil on a one-core machine); nil when the null driver is not
    /// registered or could not run.
    public static let measured: (sameCore: Double, crossCore: Double?)? = measure()

    private static func measure() -> (sameCore: Double, crossCore: Double?)? {
        guard let registry = try? DriverRegistry.find(reserved: []), let null = registry.driver(named: "null"),
              let store = try? ExternalMessageStore(launch: null, options: BackendOptions())
        else { return nil }
        defer { store.close() }
        guard let connection = try? store.connect(), let phone = try? PhoneNumber("+15550000001"),
              (try? connection.register(phone: phone, displayName: "floor")) != nil
        else { return nil }
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        var saved = cpu_set_t()
        guard let getAffinity = affinity("sched_getaffinity"), let setAffinity = affinity("sched_setaffinity"),
              getAffinity(0, MemoryLayout<cpu_set_t>.size, &saved) == 0, pinAllThreads(of: store.driverProcess, to: 0)
        else { return nil }
        defer { _ = setAffinity(0, MemoryLayout<cpu_set_t>.size, &saved) }
        func floor(callerOn core: Int) -> Double? {
            guard pin(0, to: core) else { return nil }
            var batches: [Double] = []
            for _ in 0..<3 {
                let started = MonotonicClock.now()
                for _ in 0..<2_000 { guard (try? connection.user(withPhone: phone)) != nil else { return nil } }
                batches.append(Double(MonotonicClock.now() - started) / 2_000 / 1_000)
            }
            return Statistics.median(batches)
        }
        guard let sameCore = floor(callerOn: 0) else { return nil }
        return (sameCore, cores > 1 ? floor(callerOn: 1) : nil)
    }

    /// `sched_getaffinity` and `sched_setaffinity` (glibc declares them only under _GNU_SOURCE, which Swift's Glibc
    /// module does not define).
    private typealias AffinityFunction = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32

    private static func affinity(_ name: String) -> AffinityFunction? {
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), name).map { unsafeBitCast($0, to: AffinityFunction.self) }
    }

    /// Pins every thread of process `pid` to one core.
    private static func pinAllThreads(of pid: pid_t, to core: Int) -> Bool {
        let threads = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []).compactMap { pid_t($0) }
        return !threads.isEmpty && threads.allSatisfy { pin($0, to: core) }
    }

    /// Pins the thread `pid` (0: the calling thread) to one core.
    private static func pin(_ pid: pid_t, to core: Int) -> Bool {
        guard let setAffinity = affinity("sched_setaffinity") else { return false }
        var set = cpu_set_t()
        withUnsafeMutableBytes(of: &set) { raw in raw[core / 8] |= UInt8(1 << (core % 8)) }
        return setAffinity(pid, MemoryLayout<cpu_set_t>.size, &set) == 0
    }
}

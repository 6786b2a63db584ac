import Glibc
import Harness
import Histogram
import PostgresStore
import SurgeCore
import Synchronization
import Workload

/// Runs the check's transaction through SurgeBench's own path (the `postgres` backend's connections, on threads of
/// the harness's kind, timed by its clock), as pgbench would: `workers` connections, each one thread.
enum SurgeBenchDriver {
    static func run(_ store: PostgresMessageStore, workload: CheckWorkload, workers: Int, seconds: Int, load: CheckRun.Load,
                    seed: UInt64, stop: StopSignal) throws(StoreError) -> CheckRun {
        var connections: [PostgresConnection] = []
        for _ in 0..<workers { connections.append(try store.connect()) }
        let histograms = Mutex(CheckRun.makeHistogram())
        let completed = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        let firstError = Mutex<StoreError?>(nil)
        nonisolated(unsafe) let shared = connections
        let start = MonotonicClock.now() + 20_000_000  // every thread is waiting before the clock starts
        let cpuBefore = CheckRun.cpuNanos(RUSAGE_SELF.rawValue)
        let end = start + UInt64(seconds) * 1_000_000_000
        onThreads(workers) { worker in
            let connection = shared[worker]
            var random = SeededRandom(seed: seed &+ UInt64(worker) &* 0x9E37_79B9_7F4A_7C15)
            var latency = CheckRun.makeHistogram()
            var client = UInt64(worker) << 40
            // At a fixed rate each connection gets its share, in Poisson arrivals as pgbench --rate schedules them.
            let meanGapNanos: Double? = if case .fixedRate(let rate) = load { Double(workers) / rate * 1e9 } else { nil }
            var scheduled = start
            MonotonicClock.sleep(until: start)
            while !stop.isRequested {
                if let meanGapNanos {
                    scheduled += UInt64(random.exponential(mean: meanGapNanos))
                    guard scheduled < end else { break }
                    MonotonicClock.sleep(until: scheduled)
                } else {
                    scheduled = MonotonicClock.now()
                    guard scheduled < end else { break }
                }
                let pair = random.index(workload.pairs)
                client += 1
                do throws(StoreError) {
                    _ = try connection.send(CheckWorkload.body, to: workload.chat(ofPair: pair), from: workload.sender(ofPair: pair),
                                            clientMessageID: client)
                    _ = try connection.history(of: workload.chat(ofPair: pair), before: nil, limit: CheckWorkload.pageSize)
                    latency.record(MonotonicClock.now() - scheduled)
                } catch {
                    failures.add(1, ordering: .relaxed)
                    firstError.withLock { if $0 == nil { $0 = error } }
                }
            }
            completed.add(Int(latency.totalCount), ordering: .relaxed)
            histograms.withLock { $0.add(latency) }
        }
        let elapsed = Double(max(MonotonicClock.now(), end) - start) / 1e9
        let cpu = CheckRun.cpuNanos(RUSAGE_SELF.rawValue) - cpuBefore
        if let error = firstError.withLock({ $0 }), completed.load(ordering: .relaxed) == 0 { throw error }
        return CheckRun(tool: .surgebench, load: load, transactionsPerSecond: Double(completed.load(ordering: .relaxed)) / elapsed,
                        failures: failures.load(ordering: .relaxed), latency: histograms.withLock { $0 },
                        clientCPUMicrosPerTransaction: Double(cpu) / 1000 / Double(max(completed.load(ordering: .relaxed), 1)))
    }
}

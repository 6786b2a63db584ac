import Harness
import Histogram
import RedisClusterStore
import SurgeCore
import Synchronization

/// Runs one operation through SurgeBench's own path (the `redis-cluster` backend's connections, slot routing and reply
/// parsing, on threads of the harness's kind, timed by its clock), closed loop: `workers` connections, each on its own
/// thread, `requests` calls in all.
enum SurgeBenchRedisDriver {
    static func run(_ store: RedisClusterMessageStore, chat: CheckChat, operation: RedisBenchmarkCheck.Operation, workers: Int, requests: Int,
                    stop: StopSignal) throws(StoreError) -> RedisCheckRun {
        var connections: [RedisClusterConnection] = []
        for _ in 0..<workers { connections.append(try store.connect()) }
        let merged = Mutex(Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .three))
        let failures = Atomic<Int>(0)
        let firstError = Mutex<StoreError?>(nil)
        nonisolated(unsafe) let shared = connections
        let start = MonotonicClock.now() + 20_000_000  // every thread is waiting before the clock starts
        onThreads(workers) { worker in
            let connection = shared[worker]
            var random = SystemRandomNumberGenerator()  // client ids never repeat an earlier round's
            var latency = Histogram<UInt64>(lowestDiscernibleValue: 1_000, highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .three)
            let share = requests / workers + (worker < requests % workers ? 1 : 0)
            MonotonicClock.sleep(until: start)
            for _ in 0..<share where !stop.isRequested {
                let began = MonotonicClock.now()
                do throws(StoreError) {
                    switch operation {
                    case .send:
                        _ = try connection.send(CheckChat.body, to: chat.chat, from: chat.sender, clientMessageID: random.next() >> 1)
                    case .history:
                        _ = try connection.history(of: chat.chat, before: nil, limit: CheckChat.pageSize)
                    }
                    latency.record(MonotonicClock.now() - began)
                } catch {
                    failures.add(1, ordering: .relaxed)
                    firstError.withLock { if $0 == nil { $0 = error } }
                }
            }
            merged.withLock { $0.add(latency) }
        }
        let elapsed = Double(MonotonicClock.now() - start) / 1e9
        let histogram = merged.withLock { $0 }
        if let error = firstError.withLock({ $0 }), histogram.totalCount == 0 { throw error }
        return RedisCheckRun(tool: .surgebench, operation: operation, callsPerSecond: Double(histogram.totalCount) / max(elapsed, 1e-9),
                             p50Ms: Double(histogram.valueAtPercentile(50)) / 1e6, p99Ms: Double(histogram.valueAtPercentile(99)) / 1e6,
                             maxMs: Double(histogram.max) / 1e6, failures: failures.load(ordering: .relaxed))
    }
}

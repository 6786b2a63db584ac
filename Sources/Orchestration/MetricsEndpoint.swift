import Foundation
import Glibc
import SurgeCore
import Synchronization
import Harness
import Workload

/// Serves the running replay's live counters in Prometheus' text format at `http://HOST:PORT/metrics`, on a thread
/// of its own: operations by kind and outcome, offered and due operations, backlog, late starts, schedule lag and
/// response-time buckets, labelled with the backend and the shard. It only reads the workers' atomics.
public final class MetricsEndpoint: ReplayObserver {
    /// The replay being served: its labels, its load and its workers' counters.
    private struct Source: Sendable {
        var backend: String
        var shard: Shard
        var load: OfferedLoad
        var live: LiveTotals
        var startNanos: UInt64
    }

    /// HOST:PORT it listens on (the port the system chose when 0 was given).
    public let address: String
    private let socket: Int32
    private let source = Mutex<Source?>(nil)
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Listens on `address` (`HOST:PORT`, HOST an IPv4 address such as 127.0.0.1 or 0.0.0.0; port 0 picks a free one).
    public init(listening address: String) throws(BenchmarkError) {
        let parts = address.split(separator: ":", omittingEmptySubsequences: false)
        var ip = in_addr()
        guard parts.count == 2, let port = UInt16(parts[1]), inet_pton(AF_INET, String(parts[0]), &ip) == 1 else {
            throw BenchmarkError("--metrics-listen takes HOST:PORT with an IPv4 host, such as 127.0.0.1:9464 or 0.0.0.0:9464; got '\(address)'")
        }
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchmarkError("--metrics-listen: cannot create a socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        socketAddress.sin_addr = ip
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw BenchmarkError("--metrics-listen: cannot listen on \(address): \(reason); choose another port")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        self.address = "\(parts[0]):\(UInt16(bigEndian: actual.sin_port))"
        socket = fd
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    /// Serves `counters` of a replay of `backend` from now on (until the next replay is attached).
    public func attach(backend: String, shard: Shard, load: OfferedLoad, live: LiveTotals, startNanos: UInt64) {
        source.withLock { $0 = Source(backend: backend, shard: shard, load: load, live: live, startNanos: startNanos) }
    }

    /// Stops serving and closes the socket.
    public func close() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
        Glibc.close(socket)
    }

    private func serve() {
        defer { finished.signal() }
        while !stopped.load(ordering: .relaxed) {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            let client = accept(socket, nil, nil)
            guard client >= 0 else { continue }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var request = [UInt8](repeating: 0, count: 4096)
            let count = recv(client, &request, request.count, 0)
            let line = count > 0 ? String(decoding: request[0..<count], as: UTF8.self) : ""
            let response: String
            if line.hasPrefix("GET /metrics") || line.hasPrefix("GET / ") {
                let body = render()
                response = "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
            } else {
                response = "HTTP/1.0 404 Not Found\r\nContent-Length: 24\r\n\r\nonly /metrics is served\n"
            }
            _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            Glibc.close(client)
        }
    }

    /// The current counters in Prometheus' text exposition format.
    func render() -> String {
        guard let source = source.withLock({ $0 }) else { return "# no replay has started yet\n" }
        let labels = "backend=\"\(source.backend)\",shard=\"\(source.shard)\""
        let totals = source.live.snapshot()
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            text += "# HELP surgebench_\(name) \(help)\n# TYPE surgebench_\(name) \(type)\n"
            for (extra, value) in samples { text += "surgebench_\(name){\(labels)\(extra)} \(value)\n" }
        }
        var operations: [(String, String)] = []
        for kind in OperationKind.allCases {
            let index = Int(kind.rawValue)
            let failed = totals.failedByKind[index]
            let finished = totals.completedByKind[index]
            operations.append((",kind=\"\(kind)\",outcome=\"ok\"", "\(finished - failed)"))
            operations.append((",kind=\"\(kind)\",outcome=\"error\"", "\(failed)"))
        }
        metric("operations_total", "counter", "Operations finished, by kind and outcome.", operations)
        let now = MonotonicClock.now()
        let elapsed = now > source.startNanos ? Double(now - source.startNanos) / 1e9 : 0
        let whole = min(Int(elapsed), source.load.offeredPerSecond.count)
        let current = whole < source.load.offeredPerSecond.count ? Double(source.load.offeredPerSecond[whole]) * (elapsed - Double(whole)) : 0
        let due = Double(source.load.offeredPerSecond[..<whole].reduce(0, +)) + current
        let completed = totals.completed
        metric("scheduled_operations", "gauge", "Operations the whole schedule holds.", [("", "\(source.load.scheduledCount)")])
        metric("due_operations_total", "counter", "Operations whose intended start has come (the offered load so far).", [("", String(format: "%.0f", due))])
        metric("offered_operations_per_second", "gauge", "Operations the schedule offers in the current second.",
               [("", "\(whole < source.load.offeredPerSecond.count ? source.load.offeredPerSecond[whole] : 0)")])
        metric("backlog_operations", "gauge", "Operations due but not yet finished.", [("", String(format: "%.0f", max(0, due - Double(completed))))])
        metric("late_starts_total", "counter", "Operations started over 1 ms after their intended time.", [("", "\(totals.lateStarts)")])
        let lag = totals.maximumLagNanos
        metric("schedule_lag_seconds", "gauge", "How far behind its schedule the most behind worker started its latest operation.",
               [("", String(format: "%.6f", Double(lag) / 1e9))])
        metric("schedule_elapsed_seconds", "gauge", "Seconds since the schedule started.", [("", String(format: "%.3f", elapsed))])
        var buckets: [(String, String)] = []
        var running: UInt64 = 0
        for bucket in 0..<LiveTotals.bucketCount {
            running += totals.buckets[bucket]
            buckets.append((",le=\"\(Double(UInt64(1) << UInt64(bucket + 1)) / 1e6)\"", "\(running)"))
        }
        buckets.append((",le=\"+Inf\"", "\(running)"))
        text += "# HELP surgebench_response_seconds Response time from the intended start, by power-of-two bucket.\n"
        text += "# TYPE surgebench_response_seconds histogram\n"
        for (extra, value) in buckets { text += "surgebench_response_seconds_bucket{\(labels)\(extra)} \(value)\n" }
        text += "surgebench_response_seconds_sum{\(labels)} \(Double(totals.responseNanosSum) / 1e9)\n"
        text += "surgebench_response_seconds_count{\(labels)} \(running)\n"
        return text
    }
}

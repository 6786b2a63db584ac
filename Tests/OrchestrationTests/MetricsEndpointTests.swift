import Foundation
import Glibc
@testable import Harness
import Orchestration
import MemoryStore
import SurgeCore
import Synchronization
import Testing
import TestSupport
import Workload

@Suite("Live metrics", .serialized)
struct MetricsEndpointTests {
    /// GET /metrics from `address` over loopback.
    private func scrape(_ address: String) throws -> String {
        let parts = address.split(separator: ":")
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = UInt16(parts[1])!.bigEndian
        inet_pton(AF_INET, String(parts[0]), &target.sin_addr)
        let connected = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0, "cannot connect to \(address)")
        let request = Array("GET /metrics HTTP/1.0\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            response += buffer[0..<count]
        }
        return String(decoding: response, as: UTF8.self)
    }

    /// The value of the sample `name{...labels...}` whose labels contain `matching`.
    private func value(_ text: String, _ name: String, matching: String = "") -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(name + "{") && (matching.isEmpty || $0.contains(matching)) }
            .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    @Test("the endpoint serves Prometheus text during a run, and its counters end equal to the results")
    func scrapedDuringARun() throws {
        let endpoint = try MetricsEndpoint(listening: "127.0.0.1:0")
        defer { endpoint.close() }
        let plan = try makePlan(try BuiltInScenarios.scenario(named: "smoke"))
        var options = ReplayOptions(workers: 2)
        options.observer = endpoint
        options.label = "memory"
        let during = Mutex<String>("")
        let scraper = Thread { [self] in
            Thread.sleep(forTimeInterval: 1.5)
            let text = (try? scrape(endpoint.address)) ?? ""
            during.withLock { $0 = text }
        }
        scraper.start()
        let result = try Replayer.run(MemoryMessageStore(), plan: plan, options: options)
        let midRun = during.withLock { $0 }
        #expect(midRun.contains("200 OK") && midRun.contains("# TYPE surgebench_operations_total counter"), "\(midRun.prefix(300))")
        let midCompleted = value(midRun, "surgebench_response_seconds_count") ?? -1
        #expect(midCompleted > 0 && midCompleted < Double(result.completed), "scraped mid-run: \(midCompleted) of \(result.completed)")
        #expect(value(midRun, "surgebench_due_operations_total") ?? 0 > 0)
        let after = try scrape(endpoint.address)
        #expect(value(after, "surgebench_response_seconds_count") == Double(result.completed))
        #expect(value(after, "surgebench_scheduled_operations") == Double(plan.load.scheduledCount))
        for (kind, count) in plan.load.scheduledCounts {
            let ok = value(after, "surgebench_operations_total", matching: "kind=\"\(kind)\",outcome=\"ok\"")
            let failed = value(after, "surgebench_operations_total", matching: "kind=\"\(kind)\",outcome=\"error\"")
            #expect(ok.map { $0 + (failed ?? 0) } == Double(count), "\(kind)")
            #expect(failed == Double(result.errors[kind]?.values.reduce(0, +) ?? 0), "\(kind)")
        }
        #expect(after.contains("backend=\"memory\",shard=\"0/1\""))
        #expect(try scrape(endpoint.address).contains("surgebench_backlog_operations"))
    }

    @Test("a bad or taken address is refused with a message")
    func badAddresses() throws {
        for bad in ["localhost", "127.0.0.1:99999", "::1:80", "example.com:80"] {
            #expect(throws: BenchmarkError.self, "\(bad)") { try MetricsEndpoint(listening: bad) }
        }
        let first = try MetricsEndpoint(listening: "127.0.0.1:0")
        defer { first.close() }
        #expect(throws: BenchmarkError.self) { try MetricsEndpoint(listening: first.address) }
    }
}

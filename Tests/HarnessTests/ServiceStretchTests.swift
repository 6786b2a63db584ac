import CalibrationStore
@testable import Harness
import SurgeCore
import Testing
import TestSupport

/// The deliberate regressions the CI gate's power is measured with must be the regressions they claim to be.
@Suite("Service stretch", .serialized)
struct ServiceStretchTests {
    /// Service p50 and p99 in ms of a replay of the calibration backend, whose service times are exponential around
    /// 400 µs (continuous, so that its slowest 2% are a clear tail), with `stretch`.
    static func serviceTimes(_ stretch: ServiceStretch?) throws -> (p50: Double, p99: Double) {
        let plan = try makePlan(try readOnlyScenario(rate: 800, seconds: 4))
        let store = try CalibrationMessageStore(configuration: .init(BackendOptions(["service-us": "400", "distribution": "exponential"])))
        var options = ReplayOptions(workers: 4)
        options.stretchForTesting = stretch
        let result = try Replayer.run(store, plan: plan, options: options)
        #expect(result.errorCount == 0)
        let service = LatencySummary(result.histogram(service: true))
        return (service.p50Ms, service.p99Ms)
    }

    @Test("a tail-only stretch doubles p99 and leaves the median alone; a uniform one moves the median")
    func stretches() throws {
        let plain = try Self.serviceTimes(nil)
        let tail = try Self.serviceTimes(ServiceStretch(fraction: 1, slowestShare: ServiceStretch.tailShare))
        let uniform = try Self.serviceTimes(ServiceStretch(fraction: 1))
        // Exponential around 0.4 ms: p50 about 0.28 ms, p99 about 1.8 ms; sleeping adds the timer's slack.
        #expect(tail.p99 / plain.p99 > 1.4 && tail.p99 / plain.p99 < 2.8, "p99 \(plain.p99) -> \(tail.p99) ms")
        #expect(tail.p50 / plain.p50 < 1.2, "the median moved: p50 \(plain.p50) -> \(tail.p50) ms")
        #expect(uniform.p50 / plain.p50 > 1.6, "p50 \(plain.p50) -> \(uniform.p50) ms")
    }

    @Test("the threshold is learnt from the replay's operations: nothing is stretched before 200 of them")
    func learning() {
        let threshold = StretchThreshold(ServiceStretch(fraction: 1, slowestShare: 0.5))
        var start = MonotonicClock.now()
        // 199 operations of 1 ms: none stretched while the threshold is unknown.
        for _ in 0..<199 {
            #expect(threshold.hold(start: start, end: start + 1_000_000) == start + 1_000_000)
            start += 2_000_000
        }
        // Then operations of 1 ms and 3 ms alternate: the median lies between, so the 3 ms ones (the slowest half) are held.
        for index in 0..<400 {
            let service: UInt64 = index.isMultiple(of: 2) ? 1_000_000 : 3_000_000
            let end = threshold.hold(start: start, end: start + service)
            if index > 300 {
                // Held means sleeping until the stretched end: 100% longer.
                #expect(service == 3_000_000 ? end >= start + 2 * service : end == start + service, "operation \(index) of \(service) ns")
            }
            start = end + 1_000_000
        }
    }
}

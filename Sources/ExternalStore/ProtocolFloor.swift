import SurgeCore

/// The floor the driver protocol adds to every operation on this machine: the round trip of one call (USER_BY_PHONE)
/// to the C null driver, which answers from memory at once. Measured once per process, when a run's results are
/// gathered: three batches of 2,000 calls, the median batch's mean.
enum ProtocolFloor {
    /// Microseconds per call; nil when the null driver is not registered or could not run.
    static let measured: Double? = measure()

    private static func measure() -> Double? {
        guard let registry = try? DriverRegistry.find(reserved: []), let null = registry.driver(named: "null"),
              let store = try? ExternalMessageStore(launch: null, options: BackendOptions())
        else { return nil }
        defer { store.close() }
        guard let connection = try? store.connect(), let phone = try? PhoneNumber("+15550000001"),
              (try? connection.register(phone: phone, displayName: "floor")) != nil
        else { return nil }
        var batches: [Double] = []
        for _ in 0..<3 {
            let started = MonotonicClock.now()
            for _ in 0..<2_000 { guard (try? connection.user(withPhone: phone)) != nil else { return nil } }
            batches.append(Double(MonotonicClock.now() - started) / 2_000 / 1_000)
        }
        return Statistics.median(batches)
    }
}

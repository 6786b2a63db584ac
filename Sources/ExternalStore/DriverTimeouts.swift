import SurgeCore

/// How long SurgeBench waits for a driver: to start and answer HELLO, and to answer each call.
struct DriverTimeouts: Sendable {
    var startNanos: UInt64
    var callNanos: UInt64
    /// As the user gave them, for messages ("10s").
    var startText: String
    var callText: String

    /// The `start-timeout` option: from starting the process to its HELLO reply.
    static let startOption = BackendOption(
        name: "start-timeout", summary: "how long the driver may take to start, listen and answer HELLO (a duration such as 10s or 500ms)",
        defaultValue: "10s")
    /// The `call-timeout` option: for each call's reply; a call past it fails as in doubt and its connection is dropped.
    static let callOption = BackendOption(
        name: "call-timeout", summary: "how long one call may take before it fails as in doubt (unavailable) and its connection is dropped",
        defaultValue: "30s")

    /// The timeouts `options` give, each from 1 ms to 1 hour.
    init(_ options: BackendOptions) throws(StoreError) {
        startText = options.string(Self.startOption)
        callText = options.string(Self.callOption)
        startNanos = try Self.nanos(startText, Self.startOption)
        callNanos = try Self.nanos(callText, Self.callOption)
    }

    private static func nanos(_ text: String, _ option: BackendOption) throws(StoreError) -> UInt64 {
        guard let span = TimeSpan(parsing: text), span.nanoseconds >= 1_000_000, span.nanoseconds <= 3_600_000_000_000 else {
            throw StoreError(.invalidOption, "option \(option.name)='\(text)' must be a duration from 1ms to 60m, written like 500ms, 10s or 2m")
        }
        return span.nanoseconds
    }
}

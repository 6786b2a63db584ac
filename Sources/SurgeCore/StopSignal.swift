import Synchronization

/// A request to stop the work under way, set once (by the command line's Ctrl-C handler, or a test) and polled by
/// whatever runs long: the generator, the replay, a preload, a crash campaign. Passed in, never global, so that two
/// runs in one process (tests) stop independently.
public final class StopSignal: Sendable {
    private let requested = Atomic<Bool>(false)

    /// A signal not yet set.
    public init() {}

    /// Asks the work to stop; safe from a signal handler (one relaxed atomic store).
    public func request() { requested.store(true, ordering: .relaxed) }

    /// True once ``request()`` was called.
    public var isRequested: Bool { requested.load(ordering: .relaxed) }
}

import Workload

/// Something shown a replay while it runs (a metrics endpoint): told when the schedule starts, then free to read the
/// workers' live counters from its own thread at any time. It must not block the replay.
public protocol ReplayObserver: Sendable {
    /// The replay of `backend`'s `shard`, offering `load`, started its schedule at `startNanos` (``MonotonicClock``);
    /// `live` reads its counters until the next replay is attached.
    func attach(backend: String, shard: Shard, load: OfferedLoad, live: LiveTotals, startNanos: UInt64)
}

import Glibc

/// The monotonic clock in nanoseconds, and sleeping until an absolute time on it (for the harness, and for backends
/// that simulate time, such as the calibration backend).
public enum MonotonicClock {
    /// Nanoseconds on the monotonic clock (CLOCK_MONOTONIC): for intervals only, never for wall-clock time.
    @inline(__always)
    public static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    /// Sleeps until `deadline` (absolute, on this clock). Returns at once when it has passed.
    @inline(__always)
    public static func sleep(until deadline: UInt64) {
        var spec = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &spec, nil) == EINTR {}
    }
}

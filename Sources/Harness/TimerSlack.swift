import Foundation

/// How late the kernel may wake a sleeping thread. Linux lets a timer fire up to the thread's timer slack late (50 µs
/// by default) to batch wake-ups; for a harness that sleeps until each operation's intended start, that slack is
/// lateness measured as the store's response time. Measured here: idle workers' wake lag at the median fell from
/// 80-107 µs to 41-62 µs with a slack of 1 ns, and the memory backend's p50 response from 0.085-0.10 to 0.048-0.072 ms.
public enum TimerSlack {
    /// Sets a slack of 1 ns for this process's main thread, which every thread it starts afterwards (and every process
    /// it starts: a server, pgbench) inherits. Call first thing, from the main thread; does nothing where the kernel
    /// does not allow it (before Linux 4.6, or another system).
    public static func tighten() {
        guard let file = fopen("/proc/self/timerslack_ns", "w") else { return }
        fputs("1", file)
        fclose(file)
    }
}

import Foundation
import StoreSupport
import Synchronization
import SurgeCore

/// One driver process SurgeBench started: its command run by `/bin/sh` in a session of its own, listening on a Unix
/// socket in a directory of SurgeBench's, its output kept in a file there. ``stop(within:)`` ends it and removes that
/// directory; a watchdog does the same if SurgeBench itself is killed.
final class DriverProcess: Sendable {
    /// The driver as messages name it ("python-sqlite", or the command given).
    let name: String
    /// The socket the driver must listen on (`SURGEBENCH_DRIVER_SOCKET`).
    let socketPath: String
    /// The driver's process (its shell execs the command, so this is the driver itself).
    let pid: pid_t
    private let runDirectory: String
    private let logPath: String
    private let watchdog: pid_t
    private let status = Mutex<Int32?>(nil)

    /// The environment variable naming the socket.
    static let socketVariable = "SURGEBENCH_DRIVER_SOCKET"
    /// The environment variable naming the store directory; also how `surgebench crash` finds the driver's processes.
    static let directoryVariable = "SURGEBENCH_DRIVER_DIRECTORY"

    /// Starts the shell command line `command` for the store in `storeDirectory` with `environment` added; `cleanup` (shell) runs too if
    /// SurgeBench dies without stopping it.
    init(command: String, name: String, storeDirectory: String, environment: [String: String], runDirectory: String,
         cleanup: String) throws(StoreError) {
        self.name = name
        self.runDirectory = runDirectory
        socketPath = (runDirectory as NSString).appendingPathComponent("driver.sock")
        logPath = (runDirectory as NSString).appendingPathComponent("driver.log")
        let variables = environment.merging([Self.socketVariable: socketPath, Self.directoryVariable: storeDirectory]) { $1 }
        pid = ChildProcess.spawn(["/bin/sh", "-c", command], output: logPath, newSession: true, environment: variables)
        guard pid > 0 else {
            try? FileManager.default.removeItem(atPath: runDirectory)
            throw StoreError(.cannotOpen, "driver \(name): cannot start /bin/sh to run '\(command)'")
        }
        // The driver leads its own process group: one kill reaches whatever it started.
        watchdog = ChildProcess.startWatchdog(cleanup: "kill -KILL -\(pid) 2>/dev/null; rm -rf '\(runDirectory)'; \(cleanup)")
    }

    /// "exited with status 3" or "was killed by signal 9" once the process has ended; nil while it runs.
    func exitDescription() -> String? {
        status.withLock { recorded in
            if recorded == nil {
                var value: Int32 = 0
                if waitpid(pid, &value, WNOHANG) == pid { recorded = value }
            }
            guard let value = recorded else { return nil }
            let signal = value & 0x7f
            return signal == 0 ? "exited with status \((value >> 8) & 0xff)" : "was killed by signal \(signal)"
        }
    }

    /// The end of what the driver printed, for messages: "it printed nothing" when it printed nothing.
    func outputTail() -> String {
        let text = ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "it printed nothing" : "its output ends: " + String(text.suffix(600))
    }

    /// Why the driver is not answering, as far as SurgeBench can tell: its exit (waited for up to a second, as a
    /// closed connection is seen before the exit), or that it still runs.
    func whyNotAnswering() -> String {
        let deadline = MonotonicClock.now() + 1_000_000_000
        while exitDescription() == nil, MonotonicClock.now() < deadline { usleep(5_000) }
        if let exit = exitDescription() { return "it \(exit); \(outputTail())" }
        return "it is still running"
    }

    /// Connects to the driver's socket, waiting for it to listen until `deadline`; throws naming the driver when it
    /// exits first or never listens.
    func connect(deadline: UInt64, timeoutNanos: UInt64, startTimeout: String) throws(StoreError) -> DriverSocket {
        while true {
            do throws(DriverSocket.Failure) {
                return try DriverSocket(path: socketPath, timeoutNanos: timeoutNanos)
            } catch {
                if let exit = exitDescription() {
                    throw StoreError(.cannotOpen, "driver \(name) \(exit) before it accepted a connection on its socket; \(outputTail())")
                }
                guard MonotonicClock.now() < deadline else {
                    throw StoreError(.cannotOpen, "driver \(name) did not accept a connection on $\(Self.socketVariable) within \(startTimeout) "
                        + "(start-timeout=\(startTimeout)); \(outputTail())")
                }
                usleep(2_000)
            }
        }
    }

    /// Waits up to `graceNanos` for the driver to exit by itself, then kills its process group and every descendant,
    /// reaps it and removes its run directory.
    func stop(within graceNanos: UInt64) {
        let deadline = MonotonicClock.now() + graceNanos
        while exitDescription() == nil, MonotonicClock.now() < deadline { usleep(2_000) }
        kill(-pid, SIGKILL)
        ProcessTree.killAll([pid])
        if exitDescription() == nil {
            var value: Int32 = 0
            while waitpid(pid, &value, 0) < 0, errno == EINTR {}
            status.withLock { $0 = value }
        }
        try? FileManager.default.removeItem(atPath: runDirectory)
        ChildProcess.end(watchdog)
    }
}

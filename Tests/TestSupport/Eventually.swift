import Foundation

/// Polls `condition` every 100 ms for up to `seconds`; true as soon as it has held once. A condition that comes and goes
/// (a server's pid file while a crash run restarts it) counts when it was seen, not only when it is checked again.
public func eventually(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(100_000)
    }
    return condition()
}

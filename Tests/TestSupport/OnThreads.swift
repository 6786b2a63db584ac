import Foundation
import Synchronization

/// Runs `body(index)` on `count` real threads at once and waits for all; rethrows the first error.
public func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
    let firstError = Mutex<(any Error)?>(nil)
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        let thread = Thread {
            do { try body(index) } catch { firstError.withLock { if $0 == nil { $0 = error } } }
            group.leave()
        }
        thread.start()
    }
    group.wait()
    if let error = firstError.withLock({ $0 }) { throw error }
}

import Conformance

/// Runs `body(index)` on `count` real threads at once and waits for all; rethrows the first error.
public func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
    try runOnThreads(count, body)
}

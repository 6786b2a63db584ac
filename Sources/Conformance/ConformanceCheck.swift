import Foundation
import Synchronization
import SurgeCore

/// One rule of the store protocol that every backend must keep, checked against fresh stores: the same checks for the
/// built-in backends (the test suite) and for a driver (`surgebench conform`).
public struct ConformanceCheck: Sendable {
    /// What the rule says, as a sentence.
    public var name: String
    let body: @Sendable (ConformanceProbe) throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (ConformanceProbe) throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the check against stores `open` makes (a fresh one per call, closed by the check); returns what broke the
    /// rule, empty when the store kept it.
    public func run(opening open: @escaping @Sendable () throws -> any MessageStore) -> [String] {
        let probe = ConformanceProbe(open: open)
        do {
            try body(probe)
        } catch {
            probe.fail("stopped by an error: \(error)")
        }
        return probe.failures
    }
}

/// What a check uses: fresh stores, and a record of every expectation that failed.
final class ConformanceProbe: Sendable {
    private let open: @Sendable () throws -> any MessageStore
    private let recorded = Mutex<[String]>([])

    init(open: @escaping @Sendable () throws -> any MessageStore) { self.open = open }

    var failures: [String] { recorded.withLock { $0 } }

    func fail(_ what: String) { recorded.withLock { $0.append(what) } }

    /// A fresh store; the caller closes it.
    func freshStore() throws -> any MessageStore { try open() }

    /// A fresh store and one connection for `body`; both closed after.
    func withConnection(_ body: (any StoreConnection) throws -> Void) throws {
        let store = try open()
        defer { store.close() }
        try body(try store.connect())
    }

    /// Records a failure unless `actual` equals `expected`.
    func expect<Value: Equatable>(_ actual: @autoclosure () throws -> Value, _ expected: Value, _ what: String) {
        do {
            let value = try actual()
            if value != expected { fail("\(what): expected \(expected), got \(value)") }
        } catch {
            fail("\(what): expected \(expected), got the error \(error)")
        }
    }

    /// Records a failure unless `condition` holds.
    func expect(_ condition: @autoclosure () throws -> Bool, _ what: String) {
        do {
            if try !condition() { fail(what) }
        } catch {
            fail("\(what): got the error \(error)")
        }
    }

    /// Records a failure unless `body` throws a ``StoreError`` of `kind`.
    func expectError<Value>(_ kind: StoreError.Kind, _ what: String, _ body: () throws -> Value) {
        do {
            let value = try body()
            fail("\(what): expected the error \(kind.rawValue), got \(value)")
        } catch let error as StoreError {
            if error.kind != kind { fail("\(what): expected the error \(kind.rawValue), got \(error.kind.rawValue): \(error.message)") }
        } catch {
            fail("\(what): expected the error \(kind.rawValue), got \(error)")
        }
    }

    /// Runs `body` on `count` threads at once; rethrows the first error.
    func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        try runOnThreads(count, body)
    }
}

/// Runs `body(index)` on `count` real threads at once and waits for all; rethrows the first error.
public func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
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

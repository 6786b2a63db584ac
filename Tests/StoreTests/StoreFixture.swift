import Foundation
import StoreCatalog
import Synchronization
import SurgeCore
import Testing

/// One backend configuration the conformance suite runs against.
struct StoreFixture: Sendable, CustomTestStringConvertible {
    var backend: String
    var options: [String: String]

    var testDescription: String {
        options.isEmpty ? backend : "\(backend) " + options.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
    }

    var descriptor: BackendDescriptor { try! BackendCatalog.backend(named: backend) }

    /// Every registered backend, persistent ones under both commit policies. Adding a backend adds its line here
    /// only through ``BackendCatalog``.
    static let all: [StoreFixture] = BackendCatalog.all.flatMap { backend -> [StoreFixture] in
        guard backend.isPersistent else { return [StoreFixture(backend: backend.name, options: [:])] }
        return CommitPolicy.allCases.map { StoreFixture(backend: backend.name, options: ["commit": $0.rawValue]) }
    }

    /// Persistent backends under every commit policy and durability mode.
    static let persistentModes: [StoreFixture] = BackendCatalog.all.filter(\.isPersistent).flatMap { backend in
        let durability = backend.options.first { $0.name == "durability" }?.choices ?? []
        return CommitPolicy.allCases.flatMap { policy in
            durability.map { StoreFixture(backend: backend.name, options: ["commit": policy.rawValue, "durability": $0]) }
        }
    }

    /// Opens a store of this fixture in `directory` (when persistent).
    func open(in directory: TemporaryDirectory, extra: [String: String] = [:]) throws -> any MessageStore {
        var values = options.merging(extra) { $1 }
        if descriptor.isPersistent { values["path"] = directory.path }
        return try descriptor.open(BackendOptions(values))
    }

    /// Opens a fresh store and a connection, runs `body`, and closes both.
    func withConnection(_ body: (any StoreConnection) throws -> Void) throws {
        let directory = try TemporaryDirectory()
        let store = try open(in: directory)
        defer { store.close() }
        try body(try store.connect())
    }
}

/// A directory removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "surgebench-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

/// Runs `body(index)` on `count` real threads at once and waits for all; rethrows the first error.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
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

/// Registers users with phones +1000000000 + n and returns their ids.
func registerUsers(_ count: Int, on connection: any StoreConnection, from first: Int = 0) throws -> [UserID] {
    try (first..<first + count).map { try connection.register(phone: phone(1_000_000_000 + $0), displayName: "user \($0)").user }
}

func phone(_ number: Int) -> PhoneNumber { try! PhoneNumber("+\(number)") }

/// Expects `body` to throw a ``StoreError`` of `kind`, and returns it.
@discardableResult
func expectStoreError<T>(_ kind: StoreError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) -> StoreError? {
    do {
        _ = try body()
        Issue.record("expected a \(kind) error, got success", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StoreError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

import Conformance
import Foundation
import StoreCatalog
import Synchronization
import SurgeCore
import Testing
import TestSupport

/// One backend configuration the conformance suite runs against.
struct StoreFixture: Sendable, CustomTestStringConvertible {
    var backend: String
    var options: [String: String]

    var testDescription: String {
        options.isEmpty ? backend : "\(backend) " + options.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
    }

    var descriptor: BackendDescriptor { try! BackendCatalog.backend(named: backend) }

    /// The reference drivers shipped in Sources/Drivers (Python over SQLite, C in memory with a log, the null driver),
    /// each in its default durability mode.
    static let referenceDrivers = ["python-sqlite", "memory-c", "null"].map { StoreFixture(backend: $0, options: [:]) }

    /// Every backend in the catalog, under each commit policy where it has one. A new backend is picked up from
    /// ``BackendCatalog`` alone.
    static let all: [StoreFixture] = BackendCatalog.all.flatMap { backend -> [StoreFixture] in
        guard let commit = backend.options.first(where: { $0.name == BackendOption.commit.name })?.choices else {
            return [StoreFixture(backend: backend.name, options: [:])]
        }
        return commit.map { StoreFixture(backend: backend.name, options: [BackendOption.commit.name: $0]) }
    }

    /// Backends whose data outlives the process, under every commit policy and durability mode they have.
    static let persistentModes: [StoreFixture] = BackendCatalog.all.filter { $0.location != .inProcess }.flatMap { backend in
        let modes = backend.durability?.modes.map(\.name) ?? []
        let durabilityOption = backend.durability?.option.name ?? ""
        let commit = backend.options.first { $0.name == BackendOption.commit.name }?.choices ?? [""]
        return commit.flatMap { policy in
            modes.map { mode in
                StoreFixture(backend: backend.name,
                             options: [BackendOption.commit.name: policy, durabilityOption: mode].filter { !$0.value.isEmpty })
            }
        }
    }

    /// Opens a store of this fixture in a temporary directory of its own, removed when the store closes.
    func openTemporary() throws -> any MessageStore {
        try descriptor.open(BackendOptions(options))
    }

    /// Opens a store of this fixture in `directory` (when it keeps its data, or its server's, in one).
    func open(in directory: ScratchDirectory, extra: [String: String] = [:]) throws -> any MessageStore {
        var values = options.merging(extra) { $1 }
        if descriptor.options.contains(where: { $0.name == BackendOption.path.name }) { values[BackendOption.path.name] = directory.path }
        return try descriptor.open(BackendOptions(values))
    }

    /// Opens a fresh store and a connection, runs `body`, and closes both.
    func withConnection(_ body: (any StoreConnection) throws -> Void) throws {
        let directory = try ScratchDirectory()
        let store = try open(in: directory)
        defer { store.close() }
        try body(try store.connect())
    }
}

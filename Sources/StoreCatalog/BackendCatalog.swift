import CalibrationStore
import LMDBStore
import MemoryStore
import PostgresStore
import RedisClusterStore
import RocksDBStore
import SQLiteStore
import SurgeCore

/// Every backend SurgeBench can run, by name. Adding a backend adds one line here.
public enum BackendCatalog {
    /// Every backend, in the order `surgebench backends` lists them.
    public static let all: [BackendDescriptor] = [
        MemoryMessageStore.descriptor,
        SQLiteMessageStore.descriptor,
        LMDBMessageStore.descriptor,
        RocksDBMessageStore.descriptor,
        PostgresMessageStore.descriptor,
        RedisClusterMessageStore.descriptor,
        CalibrationMessageStore.descriptor,
    ]

    /// The message stores that run inside SurgeBench's own process or directory, needing no server: what `run` uses
    /// when no backend is named, and what the micro-benchmarks measure.
    public static let embeddedStores = all.filter { !$0.isInstrument && $0.location != .server }

    /// The embedded stores with files of their own: what `grow` and the published capacity searches measure.
    public static let persistentEmbeddedStores = embeddedStores.filter { $0.location == .directory }

    /// The stores `surgebench crash` can crash: those with files of their own and the servers SurgeBench starts.
    public static let crashableStores = all.filter { !$0.isInstrument && ($0.location == .directory || $0.serverProcesses != nil) }

    /// The names of ``embeddedStores``.
    public static let defaultNames = embeddedStores.map(\.name)

    /// The backend with this name; throws `.invalidInput` listing the known names otherwise.
    public static func backend(named name: String) throws(BenchmarkError) -> BackendDescriptor {
        guard let backend = all.first(where: { $0.name == name }) else {
            throw BenchmarkError(
                "unknown backend '\(name)'; known backends: \(all.map(\.name).joined(separator: ", ")) (see `surgebench backends`)")
        }
        return backend
    }
}

extension BackendCatalog {
    /// The class `mode` of `backend` is declared in; nil when either is unknown.
    public static func durabilityClass(backend: String, mode: String) -> DurabilityClass? {
        all.first { $0.name == backend }?.durability?.modes.first { $0.name == mode }?.durabilityClass
    }
}

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

    /// The names of ``embeddedStores``.
    public static let defaultNames = embeddedStores.map(\.name)

    /// The backend with this name; throws `.invalidOption` listing the known names otherwise.
    public static func backend(named name: String) throws(StoreError) -> BackendDescriptor {
        guard let backend = all.first(where: { $0.name == name }) else {
            throw StoreError(.invalidOption,
                "unknown backend '\(name)'; known backends: \(all.map(\.name).joined(separator: ", ")) (see `surgebench backends`)")
        }
        return backend
    }
}

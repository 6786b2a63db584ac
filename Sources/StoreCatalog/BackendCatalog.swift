import CalibrationStore
import LMDBStore
import MemoryStore
import SQLiteStore
import SurgeCore

/// Every backend SurgeBench can run, by name. Adding a backend adds one line here.
public enum BackendCatalog {
    public static let all: [BackendDescriptor] = [
        MemoryMessageStore.descriptor,
        SQLiteMessageStore.descriptor,
        LMDBMessageStore.descriptor,
        CalibrationMessageStore.descriptor,
    ]

    /// The backends `run` uses when none are named: the real message stores.
    public static let defaultNames = ["memory", "sqlite", "lmdb"]

    /// The backend with this name; throws `.invalidOption` listing the known names otherwise.
    public static func backend(named name: String) throws(StoreError) -> BackendDescriptor {
        guard let backend = all.first(where: { $0.name == name }) else {
            throw StoreError(.invalidOption,
                "unknown backend '\(name)'; known backends: \(all.map(\.name).joined(separator: ", ")) (see `surgebench backends`)")
        }
        return backend
    }
}

import CalibrationStore
import ExternalStore
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
    public static let embeddedStores = all.filter { !$0.isInstrument && ($0.location == .inProcess || $0.location == .directory) }

    /// The embedded stores with files of their own: what `grow` and the published capacity searches measure.
    public static let persistentEmbeddedStores = embeddedStores.filter { $0.location == .directory }

    /// The stores `surgebench crash` can crash: those with files of their own and the servers SurgeBench starts.
    public static let crashableStores = all.filter(isCrashable)

    /// The names of ``embeddedStores``.
    public static let defaultNames = embeddedStores.map(\.name)

    /// Any store in any language, behind a driver process: `external` with `command=` or `driver=`, or a registered
    /// driver by its own name. Not in ``all``: what it is (its options, its durability modes) is known only once a
    /// driver is named and has declared itself.
    public static let external = ExternalMessageStore.descriptor

    /// The drivers registered by name (`Sources/Drivers/drivers.conf`, or the file `SURGEBENCH_DRIVERS` names); nil
    /// when there is no registry.
    public static func driverRegistry() throws(BenchmarkError) -> DriverRegistry? {
        do throws(StoreError) {
            return try DriverRegistry.find(reserved: Set((all + [external]).map(\.name)))
        } catch {
            throw BenchmarkError(error)
        }
    }

    /// The backend with this name; throws `.invalidInput` listing the known names otherwise. `external` and a
    /// registered driver's name start the driver once to read what it declares; `options` are the `--option` pairs
    /// given (`command=` or `driver=` among them for `external`).
    public static func backend(named name: String, options pairs: [String] = []) throws(BenchmarkError) -> BackendDescriptor {
        if let backend = all.first(where: { $0.name == name }) { return backend }
        let registry = try driverRegistry()
        func given(_ option: String) -> String? { OptionAssignment.value(of: option, for: name, in: pairs) }
        do throws(StoreError) {
            if let launch = try ExternalDrivers.launch(name: name, command: given("command"), driver: given("driver"), registry: registry) {
                return ExternalDrivers.descriptor(for: launch, description: try ExternalDrivers.describe(launch))
            }
        } catch {
            throw BenchmarkError("\(name): \(error.message)")
        }
        let drivers = registry?.drivers.map(\.name) ?? []
        throw BenchmarkError("unknown backend '\(name)'; known backends: \((all.map(\.name) + [external.name] + drivers).joined(separator: ", ")) "
            + "(see `surgebench backends`)")
    }

    /// True when `surgebench crash` can crash `backend`: a store with files of its own, a server SurgeBench starts, or
    /// a driver.
    public static func isCrashable(_ backend: BackendDescriptor) -> Bool {
        !backend.isInstrument && (backend.location == .directory || backend.serverProcesses != nil)
    }
}

extension BackendCatalog {
    /// The class `mode` of `backend` is declared in; nil when either is unknown.
    public static func durabilityClass(backend: String, mode: String) -> DurabilityClass? {
        all.first { $0.name == backend }?.durability?.modes.first { $0.name == mode }?.durabilityClass
    }
}

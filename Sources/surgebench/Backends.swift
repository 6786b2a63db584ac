import ArgumentParser
import CrashTesting
import ExternalStore
import StoreCatalog
import SurgeCore

extension SurgeBench {
    /// `surgebench backends`: every backend with its options and durability modes, or the catalog's lists for scripts.
    struct Backends: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the storage backends, their options and their durability modes.",
            discussion: """
                --names and --durability-cells print the catalog's lists for scripts (the Makefile and CI take theirs from \
                here, so that a new backend needs no edit there).
                """)

        /// The catalog's lists of backends.
        enum Group: String, ExpressibleByArgument, CaseIterable {
            /// Message stores that need no server (what `run` uses by default).
            case embedded
            /// Embedded stores with files of their own (what `grow` and the capacity searches measure).
            case persistent
            /// Stores on servers SurgeBench starts (what the server capacity searches measure).
            case servers
            /// Every message store, servers included.
            case stores
            /// The stores `surgebench crash` can crash.
            case crashable
            /// The drivers registered by name.
            case drivers
        }

        @Option(help: "Print the names of a group, comma-separated: embedded, persistent, servers, stores, crashable or drivers.")
        var names: Group?

        @Flag(help: "Print the durability matrix's cells, one per line: backend:mode:kind:crashes.")
        var durabilityCells = false

        @Flag(help: "With --durability-cells: the registered drivers' cells instead of the built-in backends'.")
        var drivers = false

        func run() throws {
            if let names {
                print(Self.names(of: names).joined(separator: ","))
            } else if durabilityCells {
                let backends = drivers ? try Self.registeredDrivers() : BackendCatalog.crashableStores
                for cell in DurabilityCell.cells(of: backends) { print(cell) }
            } else {
                print("Durability classes (--durability CLASS on run, capacity, grow and crash): "
                    + DurabilityClass.allCases.map { "\($0.rawValue): \($0.summary)" }.joined(separator: "; ") + ".\n")
                for backend in BackendCatalog.all { print(Self.describe(backend)) }
                print(Self.describe(BackendCatalog.external))
                Self.describeDrivers()
            }
        }

        static func names(of group: Group) -> [String] {
            switch group {
            case .embedded: BackendCatalog.defaultNames
            case .persistent: BackendCatalog.persistentEmbeddedStores.map(\.name)
            case .servers: BackendCatalog.all.filter { $0.location == .server && !$0.isInstrument }.map(\.name)
            case .stores: BackendCatalog.all.filter { !$0.isInstrument }.map(\.name)
            case .crashable: BackendCatalog.crashableStores.map(\.name)
            case .drivers: ((try? BackendCatalog.driverRegistry()) ?? nil)?.drivers.map(\.name) ?? []
            }
        }

        /// Every registered driver's descriptor (each started once to read what it declares).
        static func registeredDrivers() throws -> [BackendDescriptor] {
            try (BackendCatalog.driverRegistry()?.drivers ?? []).map { launch throws in try BackendCatalog.backend(named: launch.name) }
        }

        /// Every registered driver, started once to read what it declares; a driver that does not start is listed with why.
        static func describeDrivers() {
            let registry: DriverRegistry?
            do {
                registry = try BackendCatalog.driverRegistry()
            } catch {
                print("\nDrivers: \(error)")
                return
            }
            guard let registry else {
                print("\nNo driver registry found (Sources/Drivers/drivers.conf, or the file $\(DriverRegistry.variable) names).")
                return
            }
            print("\nDrivers registered in \(registry.path) (--backends NAME; the protocol: docs/driver-protocol.md):")
            for launch in registry.drivers {
                do {
                    print(describe(try BackendCatalog.backend(named: launch.name)))
                } catch {
                    print("\(launch.name): cannot be described: \(error)")
                }
            }
        }

        /// A backend's name, summary, options and durability modes, as `surgebench backends` lists them.
        static func describe(_ backend: BackendDescriptor) -> String {
            var lines = ["\(backend.name): \(backend.summary)"]
            for option in backend.options {
                let shown = option.defaultValue.isEmpty ? "" : " (default \(option.defaultValue))"
                lines.append("  --option \(option.name)=...\(shown)\n      \(option.summary)")
            }
            guard let durability = backend.durability else {
                if backend.location == .driver {
                    lines.append("  durability modes, options and promises: as the driver declares them (docs/driver-protocol.md)")
                    return lines.joined(separator: "\n")
                }
                lines.append("  durability class: none, as the reference: it keeps nothing beyond its process and runs beside every "
                    + "class as the floor the stores are read against")
                return lines.joined(separator: "\n")
            }
            lines.append("  durability modes, cheapest first (--durability CLASS runs the first of its class; --option "
                + "\(durability.option.name)=MODE picks one; bulk loading uses \(durability.bulkLoad.name)):")
            for mode in durability.modes {
                let promise = mode.promise
                lines.append("    \(mode.name): class \(mode.durabilityClass.rawValue)"
                    + (durability.cheapest(in: mode.durabilityClass) == mode ? " (--durability \(mode.durabilityClass.rawValue))" : "")
                    + "; process kill: \(promise.processKill.rawValue); power loss: \(promise.powerLoss.rawValue)"
                    + (promise.machineLoss == .nothing ? "" : "; machine loss: \(promise.machineLoss.rawValue)")
                    + "\n      \(mode.documentation)")
            }
            return lines.joined(separator: "\n")
        }
    }
}

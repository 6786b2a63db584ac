import Foundation
import StoreSupport
import SurgeCore

/// Turns a driver's name or command into a backend like the built-in ones: its descriptor's options, durability modes
/// and promises are what the driver's HELLO declares, read by starting it once.
public enum ExternalDrivers {
    /// The driver `name` selects: `external` with `command` or `driver` (exactly one), or a registered driver's own
    /// name; nil when `name` is neither `external` nor registered.
    public static func launch(name: String, command: String?, driver: String?, registry: DriverRegistry?) throws(StoreError) -> DriverLaunch? {
        let command = command.flatMap { $0.isEmpty ? nil : $0 }
        let driver = driver.flatMap { $0.isEmpty ? nil : $0 }
        if name == ExternalMessageStore.genericName {
            switch (command, driver) {
            case (let command?, nil):
                return DriverLaunch(name: ExternalMessageStore.genericName, command: command)
            case (nil, let driver?):
                guard let launch = registry?.driver(named: driver) else { throw unknownDriver(driver, registry) }
                return launch
            case (nil, nil):
                throw StoreError(.invalidOption, "backend 'external' needs a driver: give --option command='python3 my_driver.py' or "
                    + "--option driver=NAME" + known(registry))
            case (.some, .some):
                throw StoreError(.invalidOption, "give external either command= or driver=, not both")
            }
        }
        guard let launch = registry?.driver(named: name) else { return nil }
        if let command, command != launch.command {
            throw StoreError(.invalidOption, "\(name) is a registered driver; it takes no command= (it runs '\(launch.command)')")
        }
        if let driver, driver != name {
            throw StoreError(.invalidOption, "\(name) is a registered driver; driver=\(driver) names another one")
        }
        return launch
    }

    /// Starts the driver, reads its HELLO and stops it (CLOSE without OPEN): what it declares about itself.
    public static func describe(_ launch: DriverLaunch, options: BackendOptions = BackendOptions()) throws(StoreError) -> DriverDescription {
        let timeouts = try DriverTimeouts(options)
        let runDirectory = try StoreDirectory.makeTemporary(prefix: "surgebench-driver")
        let process = try DriverProcess(command: launch.shellCommand, name: launch.displayName, storeDirectory: "", environment: [:],
                                        runDirectory: runDirectory, cleanup: "")
        var closed = false
        defer { process.stop(within: closed ? ExternalMessageStore.exitGraceNanos : 0) }
        let (socket, json) = try DriverConnection.hello(process, timeouts: timeouts)
        let description = try DriverDescription.parse(json, driver: launch.displayName)
        var close = WireWriter(DriverWire.Operation.close.rawValue)
        closed = (try? DriverConnection.exchange(close.finished(), on: socket, driver: process, operation: .close,
                                                 deadline: MonotonicClock.now() + timeouts.callNanos, timeouts: timeouts)) != nil
        return description
    }

    /// The backend `launch`'s driver is, as its HELLO (`description`) declared it.
    public static func descriptor(for launch: DriverLaunch, description: DriverDescription) -> BackendDescriptor {
        let options = ExternalMessageStore.launchOptions + description.backendOptions
        return BackendDescriptor(
            name: launch.name,
            summary: (description.summary ?? "a store behind a driver") + " (driver \(description.name) \(description.version), "
                + "protocol \(description.protocol)" + (launch.name == ExternalMessageStore.genericName ? ", run as '\(launch.command)')" : ")"),
            engineVersion: "\(description.name) \(description.version) (driver)",
            location: .driver, options: options, durability: description.modes,
            serverProcesses: { options in
                let directory = ExternalMessageStore.absolute(options.values[BackendOption.path.name] ?? "")
                return ProcessTree.processes(withEnvironmentEntry: "\(DriverProcess.directoryVariable)=\(directory)")
            },
            check: { options throws(StoreError) in
                _ = try DriverTimeouts(options)
                for option in description.backendOptions {
                    if let choices = option.choices, let value = options.values[option.name], !choices.contains(value) {
                        throw StoreError(.invalidOption, "option \(option.name)='\(value)' is not one of: \(choices.joined(separator: ", "))")
                    }
                }
            },
            open: { options throws(StoreError) in try ExternalMessageStore(launch: launch, options: options) })
    }

    private static func unknownDriver(_ name: String, _ registry: DriverRegistry?) -> StoreError {
        StoreError(.invalidOption, "no driver named '\(name)' is registered" + known(registry))
    }

    private static func known(_ registry: DriverRegistry?) -> String {
        guard let registry else { return " (no driver registry found: set \(DriverRegistry.variable) to a file of name = command lines)" }
        return "; the registry \(registry.path) has: \(registry.drivers.map(\.name).joined(separator: ", "))"
    }
}

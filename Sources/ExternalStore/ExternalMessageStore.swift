import Foundation
import StoreSupport
import Synchronization
import SurgeCore

/// A store in any language, behind a driver process SurgeBench starts and talks to over the driver protocol
/// (docs/driver-protocol.md): one process per store, listening on a Unix socket SurgeBench names, one connection per
/// worker. Its options, durability modes and promises are what the driver's HELLO declares.
public final class ExternalMessageStore: MessageStore, ServerCostReporting {
    /// The backend name of a driver given by `command=`.
    public static let genericName = "external"

    /// The shell command that starts a driver.
    static let commandOption = BackendOption(
        name: "command", summary: "the shell command that starts the driver (run by /bin/sh from the current folder)", defaultValue: "")
    /// A driver from the registry, by name.
    static let driverOption = BackendOption(
        name: "driver", summary: "a driver from the registry (Sources/Drivers/drivers.conf, or the file $SURGEBENCH_DRIVERS names)",
        defaultValue: "")

    /// How long a driver may take to exit after it answered CLOSE, before its process group is killed.
    static let exitGraceNanos: UInt64 = 3_000_000_000

    /// The options SurgeBench itself gives every driver, before the driver's own.
    static let launchOptions = [BackendOption.path, commandOption, driverOption, DriverTimeouts.startOption, DriverTimeouts.callOption]

    /// The catalog's entry: what `external` takes before a driver is named. Opening it without a driver says how to
    /// name one; ``descriptor(for:options:)`` gives the descriptor of a named driver.
    public static let descriptor = BackendDescriptor(
        name: genericName,
        summary: "any store in any language, behind a driver process speaking the driver protocol (docs/driver-protocol.md); "
            + "give --option command='...' or --option driver=NAME, or name a registered driver in --backends",
        location: .driver, options: launchOptions,
        open: { _ throws(StoreError) in
            throw StoreError(.invalidOption, "backend 'external' needs a driver: give --option command='python3 my_driver.py' or "
                + "--option driver=NAME (see `surgebench backends`)")
        })

    private let launch: DriverLaunch
    private let process: DriverProcess
    /// The driver's process id (its process group's too).
    var driverProcess: pid_t { process.pid }
    private let timeouts: DriverTimeouts
    private let directory: StoreDirectory
    private let meter: ServerMeter
    private let control: Mutex<DriverSocket?>
    /// What the driver declared when this store opened.
    public let driverDescription: DriverDescription
    public let settings: StoreSettings

    /// Starts `launch`'s driver for the store `options` name (a temporary directory when `path` is not given), greets
    /// it and opens the store; the driver is stopped again when any step fails.
    init(launch: DriverLaunch, options: BackendOptions) throws(StoreError) {
        self.launch = launch
        timeouts = try DriverTimeouts(options)
        directory = try StoreDirectory(requestedPath: options.string(.path), backend: launch.name)
        let storePath = Self.absolute(directory.path)
        let fresh = ((try? FileManager.default.contentsOfDirectory(atPath: storePath)) ?? []).isEmpty
        let runDirectory: String
        do throws(StoreError) {
            runDirectory = try StoreDirectory.makeTemporary(prefix: "surgebench-driver")
        } catch {
            directory.removeIfTemporary()
            throw error
        }
        meter = ServerMeter(directory: runDirectory)
        let started: DriverProcess
        do throws(StoreError) {
            started = try DriverProcess(command: launch.shellCommand, name: launch.displayName, storeDirectory: storePath,
                                        environment: meter.environment(), runDirectory: runDirectory,
                                        cleanup: directory.isTemporary ? "rm -rf '\(storePath)'" : "")
        } catch {
            directory.removeIfTemporary()
            throw error
        }
        process = started
        do throws(StoreError) {
            let (socket, json) = try DriverConnection.hello(started, timeouts: timeouts)
            let description = try DriverDescription.parse(json, driver: launch.displayName)
            let mode = try description.modes.mode(in: options)
            var frame = WireWriter(DriverWire.Operation.open.rawValue)
            frame.u8(fresh ? 1 : 0)
            let values = description.backendOptions.map { ($0.name, options.string($0)) } + [(BackendOption.path.name, storePath)]
            frame.u32(UInt32(values.count))
            for (name, value) in values {
                frame.string(name)
                frame.string(value)
            }
            let deadline = MonotonicClock.now() + max(timeouts.startNanos, timeouts.callNanos)
            if case .failure(let error) = try DriverConnection.exchange(frame.finished(), on: socket, driver: started, operation: .open,
                                                                          deadline: deadline, timeouts: timeouts) {
                throw StoreError(error.kind == .invalidOption || error.kind == .notAStore ? error.kind : .cannotOpen,
                                 "\(error.message) (the driver could not open the store in '\(storePath)')")
            }
            driverDescription = description
            settings = StoreSettings(durability: mode, commit: description.groupCommit == true ? .group : .perOperation)
            control = Mutex(socket)
        } catch {
            started.stop(within: 0)
            directory.removeIfTemporary()
            throw error
        }
    }

    /// A new connection of its own to the driver, greeted.
    public func connect() throws(StoreError) -> some StoreConnection {
        guard control.withLock({ $0 != nil }) else { throw StoreError(.unavailable, "the \(launch.name) store is closed") }
        return try DriverConnection(driver: process, timeouts: timeouts)
    }

    public func bytesOnDisk() -> UInt64? { directory.bytesOnDisk() }

    public func statistics() -> StoreStatistics {
        StoreStatistics(settings: [
            "driver": "\(driverDescription.name) \(driverDescription.version)", "driver protocol": String(driverDescription.protocol),
            "group commit": driverDescription.groupCommit == true ? "yes" : "no",
        ], driverFloorMicros: ProtocolFloor.measured?.sameCore, driverFloorCrossCoreMicros: ProtocolFloor.measured?.crossCore ?? nil)
    }

    /// The driver's process tree, from outside: CPU, bytes written, syncs (counted when SurgeBench runs with its sync
    /// counter), memory.
    public func serverSample() -> ServerSample {
        meter.sample(roots: [process.pid])
    }

    /// Sends CLOSE (the driver flushes, closes its store and exits), waits for the driver to exit (then kills what is
    /// left of it) and removes a temporary store.
    public func close() {
        guard let socket = control.withLock({ socket -> DriverSocket? in defer { socket = nil }; return socket }) else { return }
        var frame = WireWriter(DriverWire.Operation.close.rawValue)
        _ = try? DriverConnection.exchange(frame.finished(), on: socket, driver: process, operation: .close,
                                           deadline: MonotonicClock.now() + timeouts.callNanos, timeouts: timeouts)
        process.stop(within: ExternalMessageStore.exitGraceNanos)
        directory.removeIfTemporary()
    }

    deinit { close() }

    /// `path` as an absolute path without `.` or `..`: what the driver and `surgebench crash` both see.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

import Foundation
import Harness
import SurgeCore

/// Fresh store -> replay -> measure -> close: the one way every command runs a backend.
public enum FreshStoreReplay {
    /// Opens a fresh store of `descriptor` with `options`, replays `plan`, asks the store its settings and size, and
    /// closes it (a temporary store removes its files). A store that cannot open or fails during the replay is a
    /// `.failed` outcome; a given store directory that is not empty is refused, as every run starts from nothing.
    public static func run(_ descriptor: BackendDescriptor, options: BackendOptions, plan: ReplayPlan, replayOptions: ReplayOptions)
        -> BackendOutcome
    {
        let given = options.values
        if descriptor.location == .directory || descriptor.location == .driver, let path = given[BackendOption.path.name], !path.isEmpty,
           let contents = try? FileManager.default.contentsOfDirectory(atPath: path), !contents.isEmpty {
            return .failed(backend: descriptor.name, options: given,
                           reason: "store path '\(path)' is not empty; every run starts from a fresh store: give an empty or new directory")
        }
        do throws(StoreError) {
            let store = try descriptor.open(options)
            defer { store.close() }
            if descriptor.location == .server || descriptor.location == .driver, let users = try? store.connect().summary().userCount, users > 0 {
                return .failed(backend: descriptor.name, options: given,
                               reason: "the store \(descriptor.location == .driver ? "behind the driver" : "on the server") already holds \(users) "
                                   + "users; every run starts from a fresh store: reset it (see `surgebench backends`) or give another database")
            }
            return try measure(store, descriptor: descriptor, options: given, plan: plan, replayOptions: replayOptions)
        } catch {
            return .failed(backend: descriptor.name, options: given, reason: error.message)
        }
    }

    /// Replays `plan` on `store` as it is (fresh or not), wiring the faults and the engine sampling the store offers,
    /// and asks the store its settings and size; the caller opens and closes it.
    public static func measure(_ store: some MessageStore, descriptor: BackendDescriptor, options given: [String: String], plan: ReplayPlan,
                               replayOptions: ReplayOptions) throws(StoreError) -> BackendOutcome {
        var labelled = replayOptions
        labelled.label = descriptor.name
        if !replayOptions.faults.isEmpty {
            guard let injecting = store as? FaultInjecting else {
                return .failed(backend: descriptor.name, options: given,
                               reason: "\(descriptor.name) cannot make faults (--fault): only a cluster SurgeBench starts can")
            }
            labelled.faultInjector = { fault in
                do throws(StoreError) { return .success(try injecting.inject(fault)) } catch { return .failure(error) }
            }
            labelled.faultSettler = { injecting.awaitSettled() }
        }
        if let sampling = store as? EngineCounterSampling { labelled.engineSampler = { sampling.sampleEngineCounters() } }
        if let servers = store as? ServerCostReporting { labelled.serverSampler = { servers.serverSample() } }
        let result = try Replayer.run(store, plan: plan, options: labelled)
        return .measured(StoreMeasurement(
            backend: descriptor.name, options: given, settings: store.settings, bytesOnDisk: store.bytesOnDisk(),
            statistics: store.statistics(), result: result))
    }
}

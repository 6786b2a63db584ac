import Foundation
import Harness
import SurgeCore
import Workload

/// How a backend's cost grows with the data it holds: one store grown block by block (``Preloader``) to each size in
/// turn, and at each size a short steady mix replayed on it twice, at a fixed rate (open loop: latency per operation,
/// bytes written per operation) and back to back (closed loop: throughput). The load runs with the backend's bulk-load
/// options (its fastest durability, see ``BackendDescriptor/bulkLoadOptions``), the measurements with the options given.
/// The measured traffic is newcomers writing into a store that already holds everyone else's history: a surge on
/// day 300.
public enum GrowthCurve {
    /// One backend at one size.
    public struct Point: Sendable, Hashable, Codable {
        /// The backend grown.
        public var backend: String
        /// Messages preloaded (the size), and how fast this step's share of them was written.
        public var messages: Int
        /// How fast this size's new messages were loaded.
        public var loadMessagesPerSecond: Double
        /// The store on disk after the load, per preloaded message.
        public var bytesOnDisk: UInt64?
        /// The store's size on disk per message held.
        public var bytesOnDiskPerMessage: Double?
        /// The open-loop replay's offered rate, its response times of every operation and per operation kind (p50, p99), bytes written.
        public var offeredOpsPerSecond: Double
        /// Response times of every operation of the fixed-rate replay.
        public var response: LatencySummary
        /// p99 response time by operation kind, in milliseconds.
        public var p99MsByOperation: [String: Double]
        /// Bytes the process wrote to disk per operation of the fixed-rate replay.
        public var bytesWrittenPerOperation: Double
        /// The closed-loop replay of the same mix.
        public var closedLoopOpsPerSecond: Double
        /// Errors in either replay, and whether both integrity checks passed.
        public var errors: UInt64
        /// Whether both replays' integrity checks passed.
        public var intact: Bool
        /// The store's durability and commit settings while measured.
        public var durability: String?
        /// The commit policy while measured, by name.
        public var commit: String?
        /// The class of the durability mode while measured; nil in files from before classes were recorded.
        public var durabilityClass: DurabilityClass? = nil
    }

    /// What to measure.
    public struct Configuration: Sendable {
        /// Messages to hold at each measurement, increasing, in whole preload blocks.
        public var sizes: [Int]
        /// The mix replayed at each size (steady's, by default), its scale and seed.
        public var scenario: Scenario
        /// The scale the mix is generated at.
        public var scale: Double
        /// Seeds the preload and the replays.
        public var seed: UInt64
        /// Worker threads for loading and measuring.
        public var workers: Int
        /// Stops the loading and the replays when requested.
        public var stop: StopSignal

        /// Grows to `sizes`, measuring `scenario`'s mix at `scale` with `seed` on `workers` threads until `stop`.
        public init(sizes: [Int], scenario: Scenario, scale: Double, seed: UInt64, workers: Int, stop: StopSignal = StopSignal()) {
            self.sizes = sizes
            self.scenario = scenario
            self.scale = scale
            self.seed = seed
            self.workers = workers
            self.stop = stop
        }
    }

    /// What `surgebench grow` measured: every backend's points up to the size it reached, why the others stopped short.
    public struct Outcome: Sendable {
        /// The machine, captured when measuring.
        public var environment: EnvironmentInfo
        /// What was measured.
        public var configuration: Configuration
        /// Each backend's options as given.
        public var options: [String: [String: String]]
        /// Every point measured, backend by backend, size by size.
        public var points: [Point]
        /// Why a backend stopped before its last size, by backend.
        public var failures: [String: String]
        /// When the measurement ended (ISO 8601, UTC).
        public var finishedAt: String
    }

    /// Grows every backend in turn (``run(_:options:configuration:note:record:)``); a backend that fails (a full map,
    /// a full disk) keeps the sizes it reached and the others still run. Throws only when stopped (nothing kept).
    public static func measure(_ backends: [(descriptor: BackendDescriptor, options: BackendOptions)], configuration: Configuration,
                               note: (String) -> Void) throws(BenchmarkError) -> Outcome {
        var points: [Point] = []
        var failures: [String: String] = [:]
        for (descriptor, options) in backends {
            do throws(BenchmarkError) {
                _ = try run(descriptor, options: options, configuration: configuration, note: note, record: { points.append($0) })
            } catch {
                if configuration.stop.isRequested { throw BenchmarkError.interrupted("nothing written") }
                note("\(descriptor.name) FAILED: \(error.message)")
                failures[descriptor.name] = error.message
            }
        }
        let environment = EnvironmentInfo.capture(backends: backends.map(\.descriptor), storeDirectory: NSTemporaryDirectory())
        return Outcome(environment: environment, configuration: configuration,
                       options: Dictionary(backends.map { ($0.descriptor.name, $0.options.values) }) { first, _ in first },
                       points: points, failures: failures, finishedAt: timestampNow())
    }

    /// Sizes as preload blocks: each rounded up to whole blocks, strictly increasing, at most `maximumMessages`.
    public static let maximumMessages = 1_000_000_000
    /// The sizes rounded up to whole preload blocks; throws for none, one out of range, or sizes that do not increase.
    public static func checkSizes(_ sizes: [Int]) throws(BenchmarkError) -> [Int] {
        guard !sizes.isEmpty else { throw BenchmarkError("give at least one size, as --sizes 1e5,1e6") }
        let block = Preloader.messagesPerBlock
        let rounded = try sizes.map { (size) throws(BenchmarkError) -> Int in
            guard size >= 1, size <= maximumMessages else {
                throw BenchmarkError("size \(size) is out of range: sizes are from 1 to \(maximumMessages) messages")
            }
            return (size + block - 1) / block * block
        }
        guard zip(rounded, rounded.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw BenchmarkError("sizes must increase (after rounding up to whole blocks of \(block) messages): \(rounded)")
        }
        return rounded
    }

    /// Refuses a backend whose store cannot be closed and opened again (it has no path= option), or a given path=.
    public static func check(_ descriptor: BackendDescriptor, options: BackendOptions) throws(BenchmarkError) {
        guard descriptor.options.contains(where: { $0.name == BackendOption.path.name }), descriptor.location != .inProcess else {
            throw BenchmarkError("\(descriptor.name) keeps no store that can be closed and opened again; grow measures backends with a path= option")
        }
        guard options.values[BackendOption.path.name] == nil else {
            throw BenchmarkError("grow keeps its own store directory for \(descriptor.name); do not give path=")
        }
    }

    /// Grows one store of `descriptor` through every size and measures it at each; `note` hears progress and `record`
    /// each size's point as soon as it is measured (so a later failure keeps the earlier sizes). The store lives in a
    /// directory of its own, removed at the end, also on failure.
    public static func run(_ descriptor: BackendDescriptor, options: BackendOptions, configuration: Configuration,
                           note: (String) -> Void, record: (Point) -> Void = { _ in }) throws(BenchmarkError) -> [Point] {
        try check(descriptor, options: options)
        let directory = NSTemporaryDirectory() + "surgebench-grow-\(descriptor.name)-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func open(_ values: [String: String]) throws(BenchmarkError) -> any MessageStore {
            do throws(StoreError) {
                return try descriptor.open(BackendOptions(values.merging([BackendOption.path.name: directory]) { $1 }))
            } catch {
                throw BenchmarkError("\(descriptor.name): \(error.message)")
            }
        }
        var points: [Point] = []
        var loadedBlocks = 0
        for (step, size) in configuration.sizes.enumerated() {
            let blocks = size / Preloader.messagesPerBlock
            note("\(descriptor.name): loading \(size - loadedBlocks * Preloader.messagesPerBlock) messages (to \(size))")
            // In a function of its own, so that the loading store is released (LMDB's environment closes) before the
            // measured one opens.
            func preload() throws(BenchmarkError) {
                let loader = try open(options.values.merging(descriptor.bulkLoadOptions) { $1 })
                defer { loader.close() }
                do throws(BenchmarkError) {
                    try Preloader.load(blocks: loadedBlocks..<blocks, into: loader, workers: configuration.workers, seed: configuration.seed,
                                       stop: configuration.stop)
                } catch {
                    throw BenchmarkError("\(descriptor.name): preloading failed: \(error.message)")
                }
            }
            let started = MonotonicClock.now()
            try preload()
            let loadSeconds = Double(MonotonicClock.now() - started) / 1e9
            let loadRate = Double((blocks - loadedBlocks) * Preloader.messagesPerBlock) / max(loadSeconds, 1e-9)
            loadedBlocks = blocks

            let store = try open(options.values)
            defer { store.close() }
            let bytesOnDisk = store.bytesOnDisk()
            func replayOptions(_ mode: ReplayOptions.Mode) -> ReplayOptions {
                var options = ReplayOptions(workers: configuration.workers, mode: mode)
                options.stop = configuration.stop
                return options
            }
            func replay(_ mode: ReplayOptions.Mode, _ index: Int) throws(BenchmarkError) -> ReplayResult {
                note("\(descriptor.name): \(size) messages, \(mode == .open ? "fixed rate" : "closed loop")")
                // Every replay registers its own users: a namespace per replay keeps their numbers apart.
                let plan = try TracePlanning.plan(configuration.scenario, seed: configuration.seed &+ UInt64(index), scale: configuration.scale,
                                                  phoneNamespace: String(format: "7%03d", index), stop: configuration.stop)
                let outcome: BackendOutcome
                do throws(StoreError) {
                    outcome = try FreshStoreReplay.measure(store, descriptor: descriptor, options: options.values, plan: plan,
                                                           replayOptions: replayOptions(mode))
                } catch {
                    throw BenchmarkError("\(descriptor.name) at \(size) messages: \(error.message)")
                }
                switch outcome {
                case .measured(let measurement): return measurement.result
                case .failed(_, _, let reason): throw BenchmarkError("\(descriptor.name) at \(size) messages: \(reason)")
                }
            }
            let open = try replay(.open, 2 * step)
            let closed = try replay(.closed, 2 * step + 1)
            if configuration.stop.isRequested { throw BenchmarkError.interrupted("nothing written") }
            let point = Point(
                backend: descriptor.name, messages: size, loadMessagesPerSecond: loadRate, bytesOnDisk: bytesOnDisk,
                bytesOnDiskPerMessage: bytesOnDisk.map { Double($0) / Double(size) }, offeredOpsPerSecond: open.offeredPerSecond,
                response: LatencySummary(open.histogram()),
                p99MsByOperation: Dictionary(uniqueKeysWithValues: open.kinds.map { ($0.description, LatencySummary(open.histogram(kind: $0)).p99Ms) }),
                bytesWrittenPerOperation: Double(open.usage.bytesWritten) / Double(max(open.completed, 1)),
                closedLoopOpsPerSecond: closed.achievedPerSecond, errors: open.errorCount + closed.errorCount,
                intact: open.integrity.isIntact && closed.integrity.isIntact, durability: store.settings.durability?.name,
                commit: store.settings.commit?.rawValue, durabilityClass: store.settings.durabilityClass)
            record(point)
            points.append(point)
        }
        return points
    }
}

// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "SurgeBench",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "surgebench", targets: ["surgebench"]),
        // For the micro-benchmarks package in Benchmarks/ (and anyone embedding the stores or the harness).
        .library(name: "SurgeBenchKit", targets: ["SurgeCore", "StoreCatalog", "Workload", "Harness"]),
        // What reads users' files (scenarios, traces, results folders) and the memory store to replay a trace into, for
        // the fuzz targets in Tests/Fuzz.
        .library(name: "SurgeBenchInputs", targets: ["SurgeCore", "Workload", "Harness", "Orchestration", "Reporting", "MemoryStore"]),
        // The power-cut simulator `surgebench crash --kind power` loads with LD_PRELOAD (libSurgePowerCut.so beside the
        // executable). Nothing links it.
        .library(name: "SurgePowerCut", type: .dynamic, targets: ["CPowerCut"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", "5.0.1"..<"7.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Domain values, the MessageStore protocol, errors and backend descriptions. No I/O.
        .target(name: "SurgeCore"),
        // What the persistent backends share: group commit and the store directory.
        .target(name: "StoreSupport", dependencies: ["SurgeCore"]),

        // Backends: one module each, knowing only SurgeCore and their C library.
        .target(name: "MemoryStore", dependencies: ["SurgeCore"]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "SQLiteStore", dependencies: ["SurgeCore", "StoreSupport", "CSQLite"]),
        .systemLibrary(
            name: "CLMDB", pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]),
        .target(name: "LMDBStore", dependencies: ["SurgeCore", "StoreSupport", "CLMDB"]),
        .systemLibrary(
            name: "CPostgres", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .target(name: "PostgresStore", dependencies: ["SurgeCore", "StoreSupport", "CPostgres"]),
        .systemLibrary(
            name: "CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]),
        .target(name: "RedisClusterStore", dependencies: ["SurgeCore", "StoreSupport", "CHiredis"]),
        .systemLibrary(
            name: "CRocksDB", pkgConfig: "rocksdb",
            providers: [.apt(["librocksdb-dev"])]),
        .target(name: "RocksDBStore", dependencies: ["SurgeCore", "StoreSupport", "CRocksDB"]),
        // Any store in any language: a driver process spoken to over the driver protocol (docs/driver-protocol.md).
        .target(name: "ExternalStore", dependencies: ["SurgeCore", "StoreSupport"]),
        // The rules of the store protocol every backend and every driver must keep, as checks run against fresh stores.
        .target(name: "Conformance", dependencies: ["SurgeCore"]),
        // A known answer for checking the harness: memory semantics plus set service times and stalls.
        .target(name: "CalibrationStore", dependencies: ["SurgeCore", "MemoryStore"]),

        // Interposes the C library's file writes and syncs to journal what a power cut would undo (LD_PRELOAD only).
        .target(name: "CPowerCut", linkerSettings: [.linkedLibrary("dl"), .linkedLibrary("pthread")]),

        // Scenarios, the seeded generator and the binary trace format.
        .target(name: "Workload", dependencies: ["SurgeCore", .product(name: "Yams", package: "Yams")]),

        // Replays a trace against any MessageStore and measures it; knows no backend.
        .target(
            name: "Harness",
            dependencies: ["SurgeCore", "Workload", .product(name: "Histogram", package: "hdrhistogram-swift")]),

        // Scenario -> trace -> plan, and fresh store -> replay -> measure -> close, for every command: runs, capacity
        // searches, the Ctrl-C handler; knows backends only through their descriptors.
        .target(name: "Orchestration", dependencies: ["SurgeCore", "Workload", "Harness"]),

        // Crashes a store mid-surge (a child replay killed, or a simulated power cut) and verifies what it acknowledged.
        .target(name: "CrashTesting", dependencies: ["SurgeCore", "StoreSupport", "Workload", "Harness", "Orchestration"]),

        // Renders and compares what the orchestration measured: results folders, tables, HTML, comparisons.
        .target(
            name: "Reporting",
            dependencies: ["Orchestration", "Harness", "Workload", "CrashTesting", .product(name: "Histogram", package: "hdrhistogram-swift")]),

        // The one place that lists every backend by name (for the executable and the tests).
        .target(
            name: "StoreCatalog",
            dependencies: ["SurgeCore", "MemoryStore", "SQLiteStore", "LMDBStore", "PostgresStore", "RedisClusterStore", "RocksDBStore",
                           "CalibrationStore", "ExternalStore"]),

        // The PostgreSQL backend's honesty test: the same transaction through SurgeBench and through pgbench.
        .target(
            name: "PgbenchCheck",
            dependencies: ["SurgeCore", "PostgresStore", "StoreSupport", "Harness", "Workload", "Reporting",
                           .product(name: "Histogram", package: "hdrhistogram-swift")]),

        // The Redis Cluster backend's honesty test: the same function calls through SurgeBench and through redis-benchmark.
        .target(
            name: "RedisBenchmarkCheck",
            dependencies: ["SurgeCore", "RedisClusterStore", "StoreSupport", "Harness", "Workload", "Reporting",
                           .product(name: "Histogram", package: "hdrhistogram-swift")]),

        .executableTarget(
            name: "surgebench",
            dependencies: [
                "SurgeCore", "StoreCatalog", "Workload", "Harness", "Orchestration", "CrashTesting", "Reporting", "PgbenchCheck", "RedisBenchmarkCheck",
                "Conformance", "ExternalStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // What the test targets share: scratch directories, threads started at once, the built executable, small plans.
        .target(name: "TestSupport", dependencies: ["SurgeCore", "StoreSupport", "Workload", "Harness", "Orchestration", "Conformance"], path: "Tests/TestSupport"),
        // One test target per module under test, as swift-nio keeps them; the stores' tests (PostgreSQL's too) are
        // parameterised over the catalog.
        .testTarget(name: "StoreSupportTests", dependencies: ["SurgeCore", "StoreSupport", "TestSupport"]),
        .testTarget(
            name: "StoreTests",
            dependencies: ["SurgeCore", "StoreSupport", "StoreCatalog", "MemoryStore", "SQLiteStore", "LMDBStore", "CSQLite", "PostgresStore",
                           "RedisClusterStore", "RocksDBStore", "CRocksDB", "Workload", "Harness", "Orchestration", "Reporting", "TestSupport",
                           "Conformance", "ExternalStore"]),
        .testTarget(name: "WorkloadTests", dependencies: ["SurgeCore", "Workload", "Harness", "Orchestration", "TestSupport"]),
        .testTarget(
            name: "HarnessTests",
            dependencies: ["SurgeCore", "Workload", "Harness", "Orchestration", "Reporting", "StoreCatalog", "MemoryStore", "CalibrationStore",
                           "TestSupport"]),
        .testTarget(
            name: "OrchestrationTests",
            dependencies: ["SurgeCore", "Workload", "Harness", "Orchestration", "Reporting", "StoreCatalog", "MemoryStore", "TestSupport"]),
        .testTarget(
            name: "ReportingTests",
            dependencies: ["SurgeCore", "Workload", "Harness", "Orchestration", "Reporting", "StoreCatalog", "TestSupport"]),
        .testTarget(
            name: "CrashTestingTests",
            dependencies: ["SurgeCore", "Workload", "Harness", "Orchestration", "CrashTesting", "Reporting", "StoreCatalog", "MemoryStore",
                           "TestSupport"]),
        .testTarget(name: "PgbenchCheckTests", dependencies: ["SurgeCore", "PgbenchCheck"]),
        // The executable's behaviour seen from outside: signals, exit codes, what it leaves behind.
        .testTarget(name: "CommandLineTests", dependencies: ["Reporting", "SurgeCore", "StoreSupport", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

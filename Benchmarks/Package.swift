// swift-tools-version: 6.1
// Micro-benchmarks of SurgeBench, a package of its own (as swift-nio's are) so that users of SurgeBench never build
// package-benchmark. Run them with `make microbench` from the top folder.
import PackageDescription

let package = Package(
    name: "SurgeBenchBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "SurgeBench", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "StoreOperations",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SurgeBenchKit", package: "SurgeBench"),
            ],
            path: "Benchmarks/StoreOperations",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "HarnessOverhead",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SurgeBenchKit", package: "SurgeBench"),
            ],
            path: "Benchmarks/HarnessOverhead",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version: 6.1
// libFuzzer targets for SurgeBench's readers of user input: scenarios, traces and results folders. A package of its
// own because every target is built with `-sanitize=fuzzer,address` (libFuzzer supplies `main`). Run them with
// `make fuzz` from the top folder.
import PackageDescription

let package = Package(
    name: "SurgeBenchFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "SurgeBench", path: "../.."),
    ],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "SurgeBenchInputs", package: "SurgeBench")]),
        .executableTarget(name: "FuzzScenario", dependencies: ["FuzzSupport", .product(name: "SurgeBenchInputs", package: "SurgeBench")]),
        .executableTarget(name: "FuzzTrace", dependencies: ["FuzzSupport", .product(name: "SurgeBenchInputs", package: "SurgeBench")]),
        .executableTarget(name: "FuzzResults", dependencies: ["FuzzSupport", .product(name: "SurgeBenchInputs", package: "SurgeBench")]),
    ],
    swiftLanguageModes: [.v6]
)

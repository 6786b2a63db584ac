import Foundation

/// Files the build put beside the test bundle: the `surgebench` executable, libSurgePowerCut.so.
public enum BuiltProducts {
    /// The path of `name` in the build's products directory (where the test bundle is).
    public static func path(_ name: String) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = (executable as NSString).deletingLastPathComponent
        // The test runner may be inside the bundle (…/SurgeBenchPackageTests.xctest) or the bundle itself.
        while directory.hasSuffix(".xctest") || directory.contains(".xctest/") { directory = (directory as NSString).deletingLastPathComponent }
        return (directory as NSString).appendingPathComponent(name)
    }
}

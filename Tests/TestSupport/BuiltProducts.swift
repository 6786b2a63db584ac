import Foundation

/// Files the build put beside the test bundle: the `surgebench` executable, libSurgePowerCut.so.
public enum BuiltProducts {
    /// The path of `name` in the build's products directory (where the test bundle is).
    public static func path(_ name: String) -> String {
        // On Linux the test bundle is itself the executable, in the products directory.
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return ((executable as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    }
}

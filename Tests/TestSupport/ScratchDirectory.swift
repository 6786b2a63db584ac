import Foundation

/// A new directory under the temporary directory, removed with everything in it when the value is released.
public final class ScratchDirectory: Sendable {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "surgebench-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

import Foundation

/// A new directory under the temporary directory, removed with everything in it when the value is released.
public final class ScratchDirectory: Sendable {
    public let path: String

    public init() throws {
        // Short: a server's Unix socket below it must fit in 107 bytes (PostgreSQL's standby-run/.s.PGSQL.5432).
        path = NSTemporaryDirectory() + "sbt-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
}

import Foundation

/// Where a fuzz target writes the input it was given when the reader under test reads files: one folder per process
/// in /dev/shm (memory, not disk), removed when the process exits normally.
public enum FuzzScratch {
    /// The process's scratch folder.
    public static let folder: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = (base as NSString).appendingPathComponent("surgebench-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: FuzzScratch.folder) }
        return path
    }()

    /// Writes `bytes` to `name` in the scratch folder and returns its path.
    public static func write(_ bytes: UnsafeBufferPointer<UInt8>, to name: String) -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: path, contents: Data(buffer: bytes)) else {
            fatalError("cannot write the fuzz input to \(path)")
        }
        return path
    }

    /// A path in the scratch folder for a file the target itself writes.
    public static func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
}

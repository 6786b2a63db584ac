import Foundation
import SurgeCore

/// A file written under a temporary name beside its destination and renamed into place only when complete, so a
/// reader never sees half a file: a failed or interrupted write leaves nothing behind.
public final class AtomicFile {
    public let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var isFinished = false

    /// Starts writing `path`; its directory must exist.
    public init(path: String) throws(BenchmarkError) {
        guard !path.isEmpty else { throw BenchmarkError("the output path is empty; give a file name") }
        // Renaming over a device, a directory or a link's target would replace it (as root, even /dev/null).
        var status = stat()
        if lstat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
            throw BenchmarkError("'\(path)' exists and is not a regular file; give the path of a file to write")
        }
        self.path = path
        temporaryPath = path + ".partial-\(getpid())"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw BenchmarkError("cannot create '\(path)': \(String(cString: strerror(errno))); check that its folder exists and is writable")
        }
    }

    deinit {
        discard()
    }

    public func write(_ bytes: [UInt8]) throws(BenchmarkError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            guard result > 0 else {
                let reason = errno == ENOSPC ? "the disk is full; free space and run again" : String(cString: strerror(errno))
                throw BenchmarkError("cannot write '\(path)': \(reason)")
            }
            written += result
        }
    }

    public func write(_ text: String) throws(BenchmarkError) {
        try write(Array(text.utf8))
    }

    /// Flushes the file to disk and renames it into place.
    public func commit() throws(BenchmarkError) {
        guard !isFinished else { return }
        guard fsync(descriptor) == 0 else {
            throw BenchmarkError("cannot write '\(path)': \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        isFinished = true
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw BenchmarkError("cannot move the finished file into place at '\(path)': \(reason)")
        }
    }

    /// Abandons the file: nothing is left at `path`.
    public func discard() {
        guard !isFinished else { return }
        isFinished = true
        close(descriptor)
        unlink(temporaryPath)
    }

    /// Writes a whole file atomically.
    public static func write(_ text: String, to path: String) throws(BenchmarkError) {
        let file = try AtomicFile(path: path)
        try file.write(text)
        try file.commit()
    }
}

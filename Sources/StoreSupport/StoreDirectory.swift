import Foundation
import SurgeCore

/// The directory a persistent store lives in: the one the user named, or a temporary one removed on close.
public final class StoreDirectory: Sendable {
    /// The directory's path.
    public let path: String
    /// True when the directory was made for this store and is removed by ``removeIfTemporary()``.
    public let isTemporary: Bool

    /// Uses `requestedPath` (creating it when missing), or a new temporary directory when it is empty.
    public init(requestedPath: String, backend: String) throws(StoreError) {
        let fileManager = FileManager.default
        if requestedPath.isEmpty {
            path = try Self.makeTemporary(prefix: "surgebench-\(backend)")
            isTemporary = true
            return
        }
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: requestedPath, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StoreError(.notAStore, "\(backend) store path '\(requestedPath)' is a file; give a directory (it is created when missing)")
            }
        } else {
            do {
                try fileManager.createDirectory(atPath: requestedPath, withIntermediateDirectories: true)
            } catch {
                throw StoreError(.cannotOpen, "cannot create \(backend) store directory '\(requestedPath)': \(error.localizedDescription)")
            }
        }
        path = requestedPath
        isTemporary = false
    }

    /// Makes a new directory `<parent>/<prefix>-XXXXXX` (mkdtemp) and returns its path.
    public static func makeTemporary(prefix: String, under parent: String = NSTemporaryDirectory()) throws(StoreError) -> String {
        var bytes = Array((parent as NSString).appendingPathComponent(prefix + "-XXXXXX").utf8CString)
        guard mkdtemp(&bytes) != nil else {
            throw StoreError(.cannotOpen, "cannot create a temporary directory under \(parent): \(systemError())")
        }
        return String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The path of a file inside the directory.
    public func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Bytes the files under the directory occupy on disk (allocated blocks, so sparse files count what they use).
    public func bytesOnDisk() -> UInt64 {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: UInt64 = 0
        for case let name as String in enumerator {
            var info = stat()
            if stat(file(name), &info) == 0, (info.st_mode & S_IFMT) == S_IFREG {
                total += UInt64(info.st_blocks) * 512
            }
        }
        return total
    }

    /// Removes the directory if it was made for this store.
    public func removeIfTemporary() {
        if isTemporary { try? FileManager.default.removeItem(atPath: path) }
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}

import Foundation
import SurgeCore
import Workload

/// The journal the power-cut library (libSurgePowerCut.so, loaded with `LD_PRELOAD`) writes, and what applying it
/// under a ``PowerCutModel`` does to the files under the watched directory once the writing processes are dead.
///
/// The journal names files by inode, so a renamed file keeps its unsynced changes; a file removed or replaced by a
/// rename was hard-linked into the shadow directory first, so that the reorder model can bring it back. Writes
/// through shared writable mappings are not modelled: such files are listed in ``Outcome/mappedFiles`` (SQLite's `-shm`
/// and LMDB's `lock.mdb`, both rebuilt on open).
public enum PowerCutJournal {
    /// What applying a journal did.
    public struct Outcome: Sendable, Hashable {
        /// Files whose unsynced changes were taken back (and, under reorder, partly replayed).
        public var filesReverted = 0
        /// Unsynced writes and size changes lost whole.
        public var writesUndone = 0
        /// Unsynced writes that survived whole (reorder only).
        public var writesKept = 0
        /// Unsynced writes that survived in part, torn at sector boundaries (reorder only).
        public var writesTorn = 0
        /// Creates, renames and unlinks undone because their directory was never synced after them (reorder only),
        /// newest first, as "create data.mdb", with paths below the watched directory.
        public var directoryOperationsUndone: [String] = []
        /// Files written through shared writable mappings, which the model cannot put back.
        public var mappedFiles: Set<String> = []
        /// Bytes at the end of the journal that did not make a whole record (a process killed mid-append), ignored.
        public var trailingBytes = 0
    }

    /// The unit a write is torn at.
    public static let sectorBytes: UInt64 = 512

    /// The environment that loads the library into a child writing under `directory`, journaling to `journal` and
    /// keeping removed files in `shadow` (a directory on the same file system; nil: removals cannot be undone).
    public static func environment(library: String, directory: String, journal: String, shadow: String? = nil) -> [String: String] {
        var environment = ["LD_PRELOAD": library, "SURGEBENCH_POWERCUT_DIR": directory, "SURGEBENCH_POWERCUT_JOURNAL": journal]
        if let shadow { environment["SURGEBENCH_POWERCUT_SHADOW"] = shadow }
        return environment
    }

    /// The library beside the running executable (`SURGEBENCH_POWERCUT_LIBRARY` overrides), or nil when missing.
    public static func library(besideExecutable executable: String = CommandLine.arguments[0]) -> String? {
        if let given = ProcessInfo.processInfo.environment["SURGEBENCH_POWERCUT_LIBRARY"] { return given }
        let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? executable
        let path = ((resolved as NSString).deletingLastPathComponent as NSString).appendingPathComponent("libSurgePowerCut.so")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Applies the journal at `path` to the files under `directory` as a power cut under `model` would leave them,
    /// the reorder model's choices drawn from `seed` (the same journal and seed give the same files). Call only once
    /// every journaling process is dead.
    public static func apply(path: String, directory: String, model: PowerCutModel, seed: UInt64 = 0) throws(StoreError) -> Outcome {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.cannotOpen, "cannot read the power-cut journal '\(path)'")
        }
        var outcome = Outcome()
        let journal = try Unsynced(Array(data), outcome: &outcome)
        var random = SeededRandom(seed: seed ^ 0x706f_7765_7263_7574)
        if model == .reorder {
            let kept = random.index(journal.directoryChanges.count + 1)
            for change in journal.directoryChanges[kept...].reversed() where change.undo() {
                outcome.directoryOperationsUndone.append(change.description(below: directory))
            }
        }
        // In path order, so that the same program cut with the same seed makes the same choices (inode numbers vary).
        let paths = inodePaths(under: directory)
        for (inode, file) in paths.sorted(by: { $0.value < $1.value }) {
            guard let changes = journal.fileChanges[inode], !changes.isEmpty else { continue }
            let descriptor = open(file, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            for change in changes.reversed() {
                guard change.undo(descriptor) else { throw cannotRevert(file) }
            }
            outcome.filesReverted += 1
            for change in changes {
                switch model == .reorder ? change.replay(descriptor, random: &random) : .lost {
                case .lost: outcome.writesUndone += 1
                case .kept: outcome.writesKept += 1
                case .torn: outcome.writesTorn += 1
                case .failed: throw cannotRevert(file)
                }
            }
        }
        return outcome
    }

    private static func cannotRevert(_ file: String) -> StoreError {
        StoreError(.engine, "cannot put '\(file)' back as a power cut would leave it: \(String(cString: strerror(errno)))")
    }

    /// The regular files under `directory` by inode (one path each).
    static func inodePaths(under directory: String) -> [UInt64: String] {
        var paths: [UInt64: String] = [:]
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return paths }
        while let relative = walker.nextObject() as? String {
            let file = (directory as NSString).appendingPathComponent(relative)
            var info = stat()
            if lstat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { paths[UInt64(info.st_ino)] = file }
        }
        return paths
    }

    /// A change to a file since its last sync: the undo saved before it and, once it was made, what it did.
    struct FileChange {
        enum Redo {
            case written(offset: UInt64, bytes: ArraySlice<UInt8>)
            case resized(UInt64)
        }

        enum Replayed { case lost, kept, torn, failed }

        var stamp: UInt64
        var offset: UInt64
        var oldSize: UInt64
        var saved: ArraySlice<UInt8>
        /// nil when the process died between the change and its redo record: the change is then lost.
        var redo: Redo?

        /// Puts the region and the size back as they were before the change.
        func undo(_ descriptor: Int32) -> Bool {
            ftruncate(descriptor, off_t(oldSize)) == 0 && PowerCutJournal.write(descriptor, saved, at: offset)
        }

        /// Under reorder, after every change was undone: makes the change again, whole, in part or not at all.
        func replay(_ descriptor: Int32, random: inout SeededRandom) -> Replayed {
            guard let redo, random.chance(0.5) else { return .lost }
            switch redo {
            case .resized(let size):
                return ftruncate(descriptor, off_t(size)) == 0 ? .kept : .failed
            case .written(let offset, let bytes):
                let sectors = PowerCutJournal.sectors(offset: offset, length: UInt64(bytes.count))
                guard sectors.count > 1, random.chance(0.5) else {
                    return PowerCutJournal.write(descriptor, bytes, at: offset) ? .kept : .failed
                }
                for sector in sectors where random.chance(0.5) {
                    let start = bytes.startIndex + Int(sector.lowerBound - offset)
                    guard PowerCutJournal.write(descriptor, bytes[start..<start + Int(sector.count)], at: sector.lowerBound) else { return .failed }
                }
                return .torn
            }
        }
    }

    /// The parts of [offset, offset + length) in each 512-byte sector of the file.
    static func sectors(offset: UInt64, length: UInt64) -> [Range<UInt64>] {
        var parts: [Range<UInt64>] = []
        var start = offset
        let end = offset + length
        while start < end {
            let next = min(end, (start / sectorBytes + 1) * sectorBytes)
            parts.append(start..<next)
            start = next
        }
        return parts
    }

    static func write(_ descriptor: Int32, _ bytes: ArraySlice<UInt8>, at offset: UInt64) -> Bool {
        bytes.isEmpty || bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) } == bytes.count
    }

    /// A create, rename or unlink whose directory was not synced after it.
    struct DirectoryChange {
        enum Operation {
            case create(path: String, inode: UInt64)
            case rename(from: String, to: String, replacedShadow: String)
            case unlink(path: String, shadow: String)
        }

        var stamp: UInt64
        var operation: Operation
        /// The directory whose sync makes it durable (a rename's destination: where it came from may keep a stale entry).
        var directory: String

        /// "create data.mdb", "rename a to b", "unlink c", with paths below `directory`.
        func description(below directory: String) -> String {
            let base = Unsynced.normalized(directory) + "/"
            func short(_ path: String) -> String { path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path }
            switch operation {
            case .create(let path, _): return "create \(short(path))"
            case .rename(let from, let to, _): return "rename \(short(from)) to \(short(to))"
            case .unlink(let path, _): return "unlink \(short(path))"
            }
        }

        /// Takes the operation back; false when it cannot be (a removed file that was not kept in the shadow).
        func undo() -> Bool {
            switch operation {
            case .create(let path, let inode):
                var info = stat()
                return lstat(path, &info) == 0 && UInt64(info.st_ino) == inode && unlink(path) == 0
            case .rename(let from, let to, let replacedShadow):
                guard rename(to, from) == 0 else { return false }
                if !replacedShadow.isEmpty { _ = link(replacedShadow, to) }
                return true
            case .unlink(let path, let shadow):
                return !shadow.isEmpty && link(shadow, path) == 0
            }
        }
    }

    /// What a journal leaves unsynced: each file's changes since its last sync, by inode, in journal order, and the
    /// directory operations since their directories' last sync.
    struct Unsynced {
        var fileChanges: [UInt64: [FileChange]] = [:]
        var directoryChanges: [DirectoryChange] = []

        init(_ bytes: [UInt8], outcome: inout Outcome) throws(StoreError) {
            var cursor = 0
            func integer<Value: FixedWidthInteger>(_ offset: Int, _: Value.Type) -> Value {
                var value: Value = 0
                withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<offset + MemoryLayout<Value>.size]) }
                return Value(littleEndian: value)
            }
            let header = 48
            while bytes.count - cursor >= header {
                let type = integer(cursor, UInt32.self)
                let namesLength = Int(integer(cursor + 4, UInt32.self))
                let stamp = integer(cursor + 8, UInt64.self)
                let offset = integer(cursor + 16, UInt64.self)
                let size = integer(cursor + 24, UInt64.self)
                let byteLength = integer(cursor + 32, UInt64.self)
                let inode = integer(cursor + 40, UInt64.self)
                guard byteLength <= UInt64(bytes.count), namesLength <= bytes.count,
                      bytes.count - cursor - header >= namesLength + Int(byteLength) else {
                    break  // the last record was cut short
                }
                let recordStart = cursor
                let namesStart = cursor + header
                let bytesStart = namesStart + namesLength
                cursor = bytesStart + Int(byteLength)
                let names = bytes[namesStart..<bytesStart].split(separator: 0, omittingEmptySubsequences: false)
                    .map { Self.normalized(String(decoding: $0, as: UTF8.self)) }
                let payload = bytes[bytesStart..<cursor]
                switch type {
                case 1:
                    fileChanges[inode, default: []].append(FileChange(stamp: stamp, offset: offset, oldSize: size, saved: payload))
                case 7, 8:
                    // The redo follows its undo (same stamp); a sync between them made the change durable already.
                    if let index = fileChanges[inode]?.lastIndex(where: { $0.stamp == stamp && $0.redo == nil }) {
                        fileChanges[inode]![index].redo = type == 7 ? .written(offset: offset, bytes: payload) : .resized(offset)
                    }
                case 2:
                    fileChanges[inode]?.removeAll { $0.stamp < stamp }
                case 6:
                    for file in fileChanges.keys { fileChanges[file]?.removeAll { $0.stamp < stamp } }
                    directoryChanges.removeAll { $0.stamp < stamp }
                case 3:
                    guard names.count == 3 else { throw Self.malformed("rename", at: recordStart) }
                    directoryChanges.append(DirectoryChange(
                        stamp: stamp, operation: .rename(from: names[0], to: names[1], replacedShadow: names[2]), directory: Self.parent(names[1])))
                case 4:
                    guard names.count == 2 else { throw Self.malformed("unlink", at: recordStart) }
                    if names[1].isEmpty {
                        fileChanges[inode] = nil  // gone for good: its inode may be reused
                    } else {
                        directoryChanges.append(DirectoryChange(stamp: stamp, operation: .unlink(path: names[0], shadow: names[1]),
                                                                directory: Self.parent(names[0])))
                    }
                case 9:
                    fileChanges[inode] = nil  // a new file: what an earlier holder of the inode left is not its own
                    directoryChanges.append(DirectoryChange(stamp: stamp, operation: .create(path: names[0], inode: inode),
                                                            directory: Self.parent(names[0])))
                case 10:
                    directoryChanges.removeAll { $0.stamp < stamp && $0.directory == names[0] }
                case 5:
                    outcome.mappedFiles.insert(names[0])
                default:
                    throw StoreError(.engine, "the power-cut journal has a record of unknown type \(type) at byte \(recordStart)")
                }
            }
            outcome.trailingBytes = bytes.count - cursor
        }

        private static func malformed(_ what: String, at offset: Int) -> StoreError {
            StoreError(.engine, "the power-cut journal has a malformed \(what) record at byte \(offset)")
        }

        /// `path` without `.` and `..` components (the library writes absolute paths as it finds them).
        static func normalized(_ path: String) -> String {
            path.isEmpty ? path : URL(fileURLWithPath: path).standardized.path
        }

        static func parent(_ path: String) -> String { (path as NSString).deletingLastPathComponent }
    }
}

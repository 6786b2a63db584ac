import Foundation
import SurgeCore

/// The journal the power-cut library (libSurgePowerCut.so, loaded with `LD_PRELOAD`) writes, and what applying it
/// does: every file under the watched directory goes back to what it held at its last sync.
///
/// The model: a file system that keeps synced data and nothing else. Directory operations count as durable at once,
/// a write is undone whole (no torn sectors), and writes through shared writable mappings are not modelled: such
/// files are listed in ``Outcome/mappedFiles`` (SQLite's `-shm` and LMDB's `lock.mdb`, both rebuilt on open).
public enum PowerCutJournal {
    /// What applying a journal did.
    public struct Outcome: Sendable, Hashable {
        /// Files put back to their last sync.
        public var filesReverted = 0
        /// Writes (and size changes) undone.
        public var writesUndone = 0
        /// Files written through shared writable mappings, which the model cannot put back.
        public var mappedFiles: Set<String> = []
        /// Bytes at the end of the journal that did not make a whole record (a process killed mid-append), ignored.
        public var trailingBytes = 0
    }

    /// The environment that loads the library into a child writing under `directory`, journaling to `journal`.
    public static func environment(library: String, directory: String, journal: String) -> [String: String] {
        ["LD_PRELOAD": library, "SURGEBENCH_POWERCUT_DIR": directory, "SURGEBENCH_POWERCUT_JOURNAL": journal]
    }

    /// The library beside the running executable (`SURGEBENCH_POWERCUT_LIBRARY` overrides), or nil when missing.
    public static func library(besideExecutable executable: String = CommandLine.arguments[0]) -> String? {
        if let given = ProcessInfo.processInfo.environment["SURGEBENCH_POWERCUT_LIBRARY"] { return given }
        let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? executable
        let path = ((resolved as NSString).deletingLastPathComponent as NSString).appendingPathComponent("libSurgePowerCut.so")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Puts every file the journal at `path` names back to its last sync, newest change first. Call only once the
    /// journaling process is dead.
    public static func apply(path: String) throws(StoreError) -> Outcome {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StoreError(.cannotOpen, "cannot read the power-cut journal '\(path)'")
        }
        var outcome = Outcome()
        let pending = try pendingUndos(Array(data), outcome: &outcome)
        for (file, undos) in pending where !undos.isEmpty {
            let descriptor = open(file, O_WRONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }  // removed since: its removal was durable
            defer { close(descriptor) }
            for undo in undos.reversed() {
                guard ftruncate(descriptor, off_t(undo.oldSize)) == 0,
                      undo.saved.isEmpty || undo.saved.withUnsafeBytes({ pwrite(descriptor, $0.baseAddress, $0.count, off_t(undo.offset)) })
                        == undo.saved.count
                else {
                    throw StoreError(.engine, "cannot put '\(file)' back to its last sync: \(String(cString: strerror(errno)))")
                }
                outcome.writesUndone += 1
            }
            outcome.filesReverted += 1
        }
        return outcome
    }

    struct Undo {
        var stamp: UInt64
        var offset: UInt64
        var oldSize: UInt64
        var saved: [UInt8]
    }

    /// The undo records of each file still pending after its last sync, in journal order.
    static func pendingUndos(_ bytes: [UInt8], outcome: inout Outcome) throws(StoreError) -> [String: [Undo]] {
        var pending: [String: [Undo]] = [:]
        var cursor = 0
        func integer<Value: FixedWidthInteger>(_ offset: Int, _: Value.Type) -> Value {
            var value: Value = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: bytes[offset..<offset + MemoryLayout<Value>.size]) }
            return Value(littleEndian: value)
        }
        while bytes.count - cursor >= 40 {
            let type = integer(cursor, UInt32.self)
            let pathLength = Int(integer(cursor + 4, UInt32.self))
            let stamp = integer(cursor + 8, UInt64.self)
            let offset = integer(cursor + 16, UInt64.self)
            let oldSize = integer(cursor + 24, UInt64.self)
            let savedLength = integer(cursor + 32, UInt64.self)
            guard savedLength <= UInt64(bytes.count), pathLength <= bytes.count, bytes.count - cursor - 40 >= pathLength + Int(savedLength) else {
                break  // the last record was cut short
            }
            let pathBytes = bytes[cursor + 40..<cursor + 40 + pathLength]
            let savedStart = cursor + 40 + pathLength
            cursor = savedStart + Int(savedLength)
            let paths = pathBytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            switch type {
            case 1:
                pending[paths[0], default: []].append(
                    Undo(stamp: stamp, offset: offset, oldSize: oldSize, saved: Array(bytes[savedStart..<cursor])))
            case 2:
                pending[paths[0]]?.removeAll { $0.stamp < stamp }
            case 3:
                guard paths.count == 2 else { throw StoreError(.engine, "power-cut journal '\(paths)' has a malformed rename") }
                pending[paths[1]] = pending.removeValue(forKey: paths[0])
            case 4:
                pending[paths[0]] = nil
            case 5:
                outcome.mappedFiles.insert(paths[0])
            case 6:
                for file in pending.keys { pending[file]?.removeAll { $0.stamp < stamp } }
            default:
                throw StoreError(.engine, "the power-cut journal has a record of unknown type \(type) at byte \(savedStart - pathLength - 40)")
            }
        }
        outcome.trailingBytes = bytes.count - cursor
        return pending
    }
}

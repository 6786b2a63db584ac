import Foundation
import SurgeCore
import Workload

/// A results folder written under a hidden temporary name and renamed into place when finished, so a failed run
/// leaves no half-written results behind.
public final class ResultsFolderWriter {
    public let path: String
    private let temporaryPath: String
    private var isFinished = false

    /// Prepares `path`, which must not exist yet; its parent is created when missing.
    public init(path: String) throws(BenchmarkError) {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BenchmarkError("the results folder path is empty; give --out a folder name")
        }
        let fileManager = FileManager.default
        guard !fileManager.fileExists(atPath: path) else {
            throw BenchmarkError("results folder '\(path)' already exists; choose another --out or remove it")
        }
        self.path = path
        let url = URL(fileURLWithPath: path)
        let parent = url.deletingLastPathComponent().path
        temporaryPath = (parent as NSString).appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        do {
            try fileManager.createDirectory(atPath: temporaryPath, withIntermediateDirectories: true)
        } catch {
            throw BenchmarkError("cannot create results folder under '\(parent)': \(error.localizedDescription)")
        }
    }

    deinit {
        discard()
    }

    /// Writes one file of the folder (atomically).
    public func write(_ text: String, to name: String) throws(BenchmarkError) {
        try AtomicFile.write(text, to: (temporaryPath as NSString).appendingPathComponent(name))
    }

    /// Moves the finished folder into place.
    public func commit() throws(BenchmarkError) {
        guard !isFinished else { return }
        guard rename(temporaryPath, path) == 0 else {
            throw BenchmarkError("cannot move results into '\(path)': \(String(cString: strerror(errno)))")
        }
        isFinished = true
    }

    /// Removes everything written so far.
    public func discard() {
        guard !isFinished else { return }
        isFinished = true
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }

    /// `<under>/<UTC time>-<name>`, by default `results/runs/<UTC time>-<scenario>`.
    public static func defaultPath(scenario: String, under parent: String = "results/runs", date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return "\(parent)/\(formatter.string(from: date))-\(scenario)"
    }
}

import Foundation
import SurgeCore

/// The machine and software a run was measured on, so that a published table says what produced it. Captured once,
/// by the pipeline that measures, and carried in its outcome: nothing that only writes or merges results probes.
public struct EnvironmentInfo: Sendable, Hashable, Codable {
    /// The CPU's model name (/proc/cpuinfo).
    public var cpuModel: String
    /// Cores available to the process.
    public var cores: Int
    /// Physical memory.
    public var memoryBytes: UInt64
    /// The distribution's name (/etc/os-release).
    public var operatingSystem: String
    /// "Linux <release> <machine>".
    public var kernel: String
    /// The Swift compiler the executable was built with.
    public var swiftVersion: String
    /// Engine versions by backend name ("sqlite": "SQLite 3.40.1").
    public var engines: [String: String]
    /// The commit of the checkout the executable was built in ("+dirty" with changes; "unknown" outside one).
    public var gitCommit: String
    /// The machine's host name.
    public var hostname: String
    /// How fast the disk under the stores syncs and the CPU runs a fixed loop (nil in results of older builds).
    public var probe: MachineProbe?

    /// Reads this machine's description and probes the disk under `storeDirectory` (about a second).
    public static func capture(engines: [String: String], storeDirectory: String) -> EnvironmentInfo {
        EnvironmentInfo(
            cpuModel: firstValue(in: "/proc/cpuinfo", key: "model name") ?? "unknown",
            cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryBytes: ProcessInfo.processInfo.physicalMemory,
            operatingSystem: osRelease() ?? "unknown",
            kernel: kernelRelease(),
            swiftVersion: compilerVersion,
            engines: engines,
            gitCommit: gitCommit() ?? ProcessInfo.processInfo.environment[commitVariable] ?? "unknown",
            hostname: ProcessInfo.processInfo.hostName,
            probe: MachineProbe.measure(directory: storeDirectory))
    }

    /// ``capture(engines:storeDirectory:)`` with the engine version of each of `backends`.
    public static func capture(backends: [BackendDescriptor], storeDirectory: String) -> EnvironmentInfo {
        capture(engines: Dictionary(backends.map { ($0.name, $0.engineVersion) }) { first, _ in first }, storeDirectory: storeDirectory)
    }

    /// The commit in 12 digits, with "+dirty" when the checkout had changes.
    public var shortCommit: String {
        String(gitCommit.prefix(12)) + (gitCommit.hasSuffix("+dirty") ? "+dirty" : "")
    }

    /// One line for a table's header: the machine, then its probe.
    public var summary: String {
        "\(cores) cores, \(cpuModel), \(Figures.bytes(memoryBytes)), \(operatingSystem), \(kernel)"
            + (probe.map { "; \($0.summary)" } ?? "")
    }

    private static var compilerVersion: String {
        #if compiler(>=6.4)
            "6.4 or later"
        #elseif compiler(>=6.3)
            "6.3"
        #elseif compiler(>=6.2)
            "6.2"
        #else
            "6.1"
        #endif
    }

    private static func firstValue(in path: String, key: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    private static func osRelease() -> String? {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }

    private static func kernelRelease() -> String {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = withUnsafeBytes(of: &name.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return "Linux \(release) \(machine)"
    }

    /// Where a build without a checkout beside it names its commit: the container image sets it when it is built.
    public static let commitVariable = "SURGEBENCH_COMMIT"

    /// The commit of the checkout this executable was built in ("+dirty" when its code had changes; results/, which
    /// a run may be rewriting, does not count), if any.
    private static func gitCommit() -> String? {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        guard let commit = run("/usr/bin/git", ["-C", executable, "rev-parse", "HEAD"]), !commit.isEmpty else { return nil }
        let dirty = run("/usr/bin/git", ["-C", executable, "status", "--porcelain", "--untracked-files=no", "--", ":(top)", ":(top,exclude)results"])
            .map { !$0.isEmpty } ?? false
        return commit + (dirty ? "+dirty" : "")
    }

    private static func run(_ tool: String, _ arguments: [String]) -> String? {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

import Foundation
import SurgeCore

/// The drivers that have a name: a small text file of `name = command` lines (`#` starts a comment), each command run
/// from the file's folder. SurgeBench's own reference drivers are in `Sources/Drivers/drivers.conf`; a user points
/// `SURGEBENCH_DRIVERS` at a file of their own.
public struct DriverRegistry: Sendable {
    /// The file the drivers were read from.
    public var path: String
    /// Every driver, in the file's order.
    public var drivers: [DriverLaunch]

    /// The environment variable naming a registry file.
    public static let variable = "SURGEBENCH_DRIVERS"
    /// Where the shipped registry lies in the repository.
    static let shippedPath = "Sources/Drivers/drivers.conf"

    /// Reads the registry at `path`; `reserved` are names a driver may not take (the built-in backends').
    public init(path: String, reserved: Set<String>) throws(StoreError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StoreError(.invalidOption, "cannot read the driver registry '\(path)' (\(Self.variable)); give a readable file of name = command lines")
        }
        self.path = path
        let folder = (URL(fileURLWithPath: path).standardizedFileURL.path as NSString).deletingLastPathComponent
        var drivers: [DriverLaunch] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw StoreError(.invalidOption, "\(path):\(number + 1): '\(line.prefix(80))' is not a `name = command` line")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            let command = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }), !command.isEmpty else {
                throw StoreError(.invalidOption, "\(path):\(number + 1): a driver needs a name of letters, digits, '-' and '_', and a command")
            }
            guard !reserved.contains(name), !drivers.contains(where: { $0.name == name }) else {
                throw StoreError(.invalidOption, "\(path):\(number + 1): the driver name '\(name)' is taken (a built-in backend, or an earlier line)")
            }
            drivers.append(DriverLaunch(name: name, command: command, workingDirectory: folder))
        }
        self.drivers = drivers
    }

    /// The registry in force: `SURGEBENCH_DRIVERS`, else the shipped one found from the current folder or above the
    /// executable (a build tree); nil when there is none.
    public static func find(reserved: Set<String>) throws(StoreError) -> DriverRegistry? {
        if let path = ProcessInfo.processInfo.environment[variable], !path.isEmpty {
            return try DriverRegistry(path: path, reserved: reserved)
        }
        var candidates = [(FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(shippedPath)]
        var folder = (Bundle.main.executablePath.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } ?? "") as NSString
        for _ in 0..<5 where folder.length > 1 {
            folder = folder.deletingLastPathComponent as NSString
            candidates.append(folder.appendingPathComponent(shippedPath))
        }
        guard let path = candidates.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else { return nil }
        return try DriverRegistry(path: path, reserved: reserved)
    }

    /// The driver named `name`, if registered.
    public func driver(named name: String) -> DriverLaunch? {
        drivers.first { $0.name == name }
    }
}

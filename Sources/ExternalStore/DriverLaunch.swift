import Foundation
import SurgeCore

/// How to start one driver: the name tables give it, the command `/bin/sh` runs and the folder it runs in.
public struct DriverLaunch: Sendable, Hashable {
    /// The backend name in tables and results: the registry's name, or `external` for a command given by hand.
    public var name: String
    /// The shell command that starts the driver.
    public var command: String
    /// The folder the command runs in (the registry file's folder for a registered driver).
    public var workingDirectory: String

    /// A driver started by `command` in `workingDirectory`, named `name` in results.
    public init(name: String, command: String, workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.name = name
        self.command = command
        self.workingDirectory = workingDirectory
    }

    /// The command line `/bin/sh -c` runs: into the folder, then the driver in place of the shell.
    var shellCommand: String {
        "cd '\(workingDirectory.replacingOccurrences(of: "'", with: "'\\''"))' && exec \(command)"
    }

    /// Who the driver is in messages: its registry name, or its command.
    var displayName: String { name == ExternalMessageStore.genericName ? "'\(command)'" : name }
}
